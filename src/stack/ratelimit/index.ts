export {
  AimdLimitFactor,
  type AimdLimitFactorOptions,
  aimdLimitFactorOptionsSchema,
  type FactorChange,
  type LimitFactor,
} from './aimd-limit-factor.js';
export { gcra } from './gcra.js';
export { HttpRateLimit, type RateLimitedRequest, RateLimitRequestMissingError } from './http-rate-limit.js';
export type { LimiterStore, QuotaCheck } from './limiter-store.js';
export { isLimiterStoreError, LimiterStoreError } from './limiter-store-error.js';
export {
  MemoryLimiterStore,
  type MemoryLimiterStoreOptions,
  memoryLimiterStoreOptionsSchema,
} from './memory-limiter-store.js';
export {
  type Quota,
  type QuotaDecision,
  type QuotaInput,
  quotaSchema,
  scaleQuota,
  toQuota,
} from './quota.js';
export type { AlgorithmStep, LimiterState, RateLimitAlgorithm } from './rate-limit-algorithm.js';
export {
  createLimiterStore,
  createRateLimiter,
  type RateLimitConfig,
  type RateLimitConfigInput,
  type RateLimitKey,
  rateLimitAlgorithms,
  rateLimitConfigSchema,
  rateLimitKeySchema,
} from './rate-limit-config.js';
export { rateLimitHeaders, sendRateLimited } from './rate-limit-headers.js';
export { RateLimitPolicy } from './rate-limit-policy.js';
export type { DecisionSource, RateLimitResult } from './rate-limit-result.js';
export { isRateLimitedError, RateLimitedError } from './rate-limited-error.js';
export {
  type ConsumeOptions,
  type FailureOptions,
  failureOptionsSchema,
  type PriorityOptions,
  priorityOptionsSchema,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimiterSnapshot,
  type StoreDownEvent,
  type StoreUpEvent,
} from './rate-limiter.js';
export {
  RedisLimiterStore,
  type RedisLimiterStoreOptions,
  redisLimiterStoreOptionsSchema,
} from './redis-limiter-store.js';
export { tokenBucket } from './token-bucket.js';
