/** The resilience stack, usable without the chaos engine. */

export * from './backoff/index.js';
export * from './balancer/index.js';
export * from './breaker/index.js';
export * from './cache/index.js';
export * from './concurrency/index.js';
export * from './gateway/index.js';
export * from './health/index.js';
export * from './hedge/index.js';
export * from './metrics/index.js';
export * from './policy/index.js';
export type { Policy, PolicyContext } from './policy/policy.js';
export { wrap } from './policy/policy.js';
export * from './retry/index.js';
export {
  type ExternalStub,
  type Item,
  type ItemStore,
  MemoryItemStore,
  PostgresItemStore,
  RedisItemStore,
  type ReferenceService,
  type ServiceConfigInput,
  startExternalStub,
  startService,
} from './service/index.js';
export * from './timeout/index.js';
