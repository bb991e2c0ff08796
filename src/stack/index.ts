/** The resilience stack, usable without the chaos engine. */

export * from './balancer/index.js';
export * from './gateway/index.js';
export * from './health/index.js';
export * from './metrics/index.js';
export type { Policy, PolicyContext } from './policy/policy.js';
export { wrap } from './policy/policy.js';
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
