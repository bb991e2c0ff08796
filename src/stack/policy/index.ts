// Policy and wrap are exported by src/stack/index.ts straight from policy.ts.
export { abortReason, type LinkedAbort, linkAbort, neverAbortedSignal, onAbort, sleep } from './abort.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { policyChannels } from './diagnostics.js';
export { LatencyWindow, type LatencyWindowOptions, latencyWindowOptionsSchema } from './latency-window.js';
export { errorsAreFailures, type Outcome } from './outcome.js';
export {
  composeResilience,
  createResilience,
  type Resilience,
  type ResilienceConfig,
  type ResilienceHooks,
  type ResilienceParts,
  resilienceConfigSchema,
} from './resilience.js';
