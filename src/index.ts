/**
 * Faultline's public TypeScript API. The stack (gateway, breaker, limiter, cache, router) is
 * also published on its own as `faultline/stack` and imports nothing from the chaos engine.
 */

export * from './chaos/experiment/journal.js';
export {
  createFault,
  type Fault,
  type FaultContext,
  type FaultDeps,
  type FaultSpec,
  type FaultSpecInput,
  faultKinds,
  faultSpecSchema,
  type ToxicTarget,
  ToxiproxyHttpTarget,
} from './chaos/faults/index.js';
export {
  type FaultWindow,
  type LoadRun,
  type LoadSpec,
  type LoadSpecInput,
  loadSpecSchema,
  type RecoveryTolerance,
  type SampledTarget,
  startLoad,
  TargetMetricsSampler,
} from './chaos/load/index.js';
export {
  freePort,
  ManagedProcess,
  type ProcessSpec,
  ProcessSupervisor,
  processSpecSchema,
} from './chaos/process/index.js';
export {
  createProxyCollection,
  isProxyApiError,
  type LeaseJson,
  ProxyApiError,
  ProxyCollection,
  type ProxyCollectionOptions,
  type ProxyInput,
  type ProxyJson,
  ProxyServer,
  type ProxyServerOptions,
  startProxyServer,
  type ToxicInput,
  type ToxicJson,
} from './chaos/proxy/index.js';
export { FaultlineError, isFaultlineError, UsageError } from './common/errors.js';
export { SeededRandom } from './common/rng.js';
export * from './report/index.js';
export * from './suite/index.js';
