export {
  AdaptiveConcurrencyLimit,
  type AdaptiveConcurrencyLimitHooks,
  type AdaptiveConcurrencyLimitOptions,
  type AdaptiveConcurrencyLimitSnapshot,
  adaptiveConcurrencyLimitOptionsSchema,
  type LimitChangeEvent,
} from './adaptive-concurrency-limit.js';
export {
  type ConcurrencyConfig,
  concurrencyConfigSchema,
  createConcurrencyLimiter,
} from './concurrency-config.js';
export {
  ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  type ConcurrencyLimiterSnapshot,
  concurrencyLimiterOptionsSchema,
  type ShedEvent,
} from './concurrency-limiter.js';
export { FixedLimit, type LimitSample, type LimitSource } from './limit-source.js';
export { isShedError, ShedError, type ShedReason } from './shed-error.js';
