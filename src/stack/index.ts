/**
 * `faultline/stack`: the resilience policies and the gateway, usable without the chaos engine.
 * An explicit list: what is named here is the public API (docs/policies.md, docs/gateway.md);
 * everything else under src/stack is internal and may change. The reference service is not part
 * of the stack; it is published as `faultline/service`.
 */

export { type RandomSource, SeededRandom } from '../common/rng.js';
export type { Backoff } from './backoff/backoff.js';
export { type BackoffConfig, backoffConfigSchema, createBackoff } from './backoff/backoff-config.js';
export { ConstantBackoff } from './backoff/constant-backoff.js';
export {
  DecorrelatedJitterBackoff,
  type DecorrelatedJitterBackoffOptions,
  decorrelatedJitterBackoffOptionsSchema,
} from './backoff/decorrelated-jitter-backoff.js';
export {
  FullJitterBackoff,
  type FullJitterBackoffOptions,
  fullJitterBackoffOptionsSchema,
} from './backoff/full-jitter-backoff.js';
export type { Balancer, BalancerHost } from './balancer/balancer.js';
export { type BalancerName, balancerNames, createBalancer } from './balancer/create-balancer.js';
export { LeastRequestBalancer, type LeastRequestBalancerOptions } from './balancer/least-request-balancer.js';
export { RoundRobinBalancer } from './balancer/round-robin-balancer.js';
export { WeightedBalancer } from './balancer/weighted-balancer.js';
export type { Breaker, BreakerSnapshot } from './breaker/breaker.js';
export { BrokenCircuitError, isBrokenCircuitError } from './breaker/broken-circuit-error.js';
export {
  type BreakerStrategyConfig,
  breakerStrategyConfigSchema,
  type CircuitBreakerConfig,
  type CircuitBreakerHooks,
  circuitBreakerConfigSchema,
  createBreaker,
  createCircuitBreaker,
} from './breaker/circuit-breaker-config.js';
export {
  type BreakEvent,
  type CallEvent,
  CircuitBreakerPolicy,
  type CircuitBreakerPolicyOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
  circuitBreakerPolicyOptionsSchema,
} from './breaker/circuit-breaker-policy.js';
export {
  ConsecutiveBreaker,
  type ConsecutiveBreakerOptions,
  consecutiveBreakerOptionsSchema,
} from './breaker/consecutive-breaker.js';
export {
  FailureRateBreaker,
  type FailureRateBreakerOptions,
  failureRateBreakerOptionsSchema,
} from './breaker/failure-rate-breaker.js';
export {
  type CacheConfig,
  type CacheConfigInput,
  type CacheHooks,
  cacheConfigSchema,
  createHttpCache,
  defaultCacheableStatuses,
  defaultContentTypes,
} from './cache/cache-config.js';
export { type CacheEntry, EntryCodec, EntryRejected, type IntegrityFailure } from './cache/cache-entry.js';
export { type KeyOptions, type KeyPlan, planCacheKey } from './cache/cache-key.js';
export type { CacheStore, PingableCacheStore } from './cache/cache-store.js';
export {
  type CacheAnswer,
  type CacheOutcome,
  type CacheRequest,
  type CacheStats,
  HttpCache,
  type HttpCacheOptions,
  type IntegrityFailureEvent,
  type OriginFetch,
  type OriginResponse,
} from './cache/http-cache.js';
export {
  MemoryCacheStore,
  type MemoryCacheStoreOptions,
  memoryCacheStoreOptionsSchema,
} from './cache/memory-cache-store.js';
export {
  MonitoredCacheStore,
  type TierMonitorOptions,
  type TierStateChange,
  tierMonitorOptionsSchema,
} from './cache/monitored-cache-store.js';
export {
  RedisCacheStore,
  type RedisCacheStoreOptions,
  redisCacheStoreOptionsSchema,
} from './cache/redis-cache-store.js';
export { defaultUnkeyedHeaders } from './cache/unkeyed-headers.js';
export {
  AdaptiveConcurrencyLimit,
  type AdaptiveConcurrencyLimitHooks,
  type AdaptiveConcurrencyLimitOptions,
  type AdaptiveConcurrencyLimitSnapshot,
  adaptiveConcurrencyLimitOptionsSchema,
  type LimitChangeEvent,
} from './concurrency/adaptive-concurrency-limit.js';
export {
  type ConcurrencyConfig,
  concurrencyConfigSchema,
  createConcurrencyLimiter,
} from './concurrency/concurrency-config.js';
export {
  ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  type ConcurrencyLimiterSnapshot,
  concurrencyLimiterOptionsSchema,
  type ShedEvent,
} from './concurrency/concurrency-limiter.js';
export { FixedLimit, type LimitSample, type LimitSource } from './concurrency/limit-source.js';
export { isShedError, ShedError, type ShedReason } from './concurrency/shed-error.js';
export {
  DatabaseError,
  DatabaseRouter,
  type DatabaseRouterConfig,
  type DbNode,
  type DbNodeInput,
  databaseRouterSchema,
  dbNodeSchema,
  EtcdLeaseStore,
  type EtcdLeaseStoreConfig,
  etcdLeaseStoreSchema,
  FailoverError,
  FailoverManager,
  type FailoverManagerConfig,
  FencedNodeError,
  failoverManagerSchema,
  type HeldLease,
  isDatabaseError,
  type LeaderRecord,
  type LeaseStore,
  LeaseStoreError,
  type NodeRole,
  type NodeView,
  NoPrimaryError,
  NoStandbyError,
  type PrimaryChange,
  type ReadPreference,
  type RoleChange,
  RouterClosedError,
  StaleFencingTokenError,
  type SyncRecord,
  type TakeoverReport,
  type WriteOptions,
  WriteOutcomeUnknownError,
  type WriteRejection,
  type WriteResult,
  WriteTimeoutError,
} from './db/index.js';
export { type CloseOptions, Gateway, type GatewayOptions, startGateway } from './gateway/gateway.js';
export {
  type GatewayConfig,
  type GatewayConfigInput,
  gatewayConfigSchema,
} from './gateway/gateway-config.js';
export {
  BadRequestTargetError,
  ClientAbortedError,
  GatewayDrainingError,
  GatewayListenError,
  GatewayTimeoutError,
  NoHealthyUpstreamError,
  NoRouteError,
  UpstreamFailureError,
  UpstreamPoolExhaustedError,
  UpstreamTimeoutError,
} from './gateway/gateway-errors.js';
export type {
  BreakerStateChange,
  HostStateChange,
  PanicChange,
  RequestCompleted,
  RequestShed,
  RetryScheduled,
} from './gateway/gateway-events.js';
export type { ClusterState, GatewayState, RouteState, UpstreamHostState } from './gateway/gateway-state.js';
export { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from './gateway/load-gateway-config.js';
export { logGatewayEvents } from './gateway/log-gateway-events.js';
export { type ServeGatewayOptions, serveGateway } from './gateway/serve-gateway.js';
export { ActiveHealthChecker, type CheckResult } from './health/active-health-checker.js';
export {
  type ActiveHealthCheckConfig,
  activeHealthCheckSchema,
  type OutlierDetectionConfig,
  outlierDetectionSchema,
  type SlowStartConfig,
  slowStartSchema,
} from './health/health-config.js';
export { type HostChangeReason, HostHealth, type HostStatus } from './health/host-health.js';
export { HostSet, type HostSetOptions } from './health/host-set.js';
export { OutlierDetector, type RequestOutcome } from './health/outlier-detector.js';
export { HedgeBudget, type HedgeBudgetOptions, hedgeBudgetOptionsSchema } from './hedge/hedge-budget.js';
export {
  type HedgeEvent,
  HedgePolicy,
  type HedgePolicyHooks,
  type HedgePolicyOptions,
  type HedgeSnapshot,
  hedgePolicyOptionsSchema,
} from './hedge/hedge-policy.js';
export { GatewayMetrics, type GatewayMetricsSource } from './metrics/gateway-metrics.js';
export { policyChannels } from './policy/diagnostics.js';
export { errorsAreFailures, type Outcome } from './policy/outcome.js';
export type { Pipeline, Policy, PolicyContext, RequestInfo } from './policy/policy.js';
export { wrap } from './policy/policy.js';
export {
  createRoutePolicies,
  type RoutePolicies,
  type RoutePoliciesConfig,
  type RoutePoliciesConfigInput,
  type RoutePoliciesHooks,
  routePoliciesConfigSchema,
} from './policy/route-policies.js';
export {
  composeStages,
  DuplicateStageError,
  orderStages,
  type Stage,
  type StageName,
  stageOrder,
} from './policy/stages.js';
export {
  AimdLimitFactor,
  type AimdLimitFactorOptions,
  aimdLimitFactorOptionsSchema,
  type FactorChange,
  type LimitFactor,
} from './ratelimit/aimd-limit-factor.js';
export { gcra } from './ratelimit/gcra.js';
export {
  HttpRateLimit,
  type RateLimitedRequest,
  RateLimitRequestMissingError,
} from './ratelimit/http-rate-limit.js';
export type { LimiterStore, QuotaCheck } from './ratelimit/limiter-store.js';
export { isLimiterStoreError, LimiterStoreError } from './ratelimit/limiter-store-error.js';
export {
  MemoryLimiterStore,
  type MemoryLimiterStoreOptions,
  memoryLimiterStoreOptionsSchema,
} from './ratelimit/memory-limiter-store.js';
export {
  type Quota,
  type QuotaDecision,
  type QuotaInput,
  quotaSchema,
  scaleQuota,
  toQuota,
} from './ratelimit/quota.js';
export type { AlgorithmStep, LimiterState, RateLimitAlgorithm } from './ratelimit/rate-limit-algorithm.js';
export {
  createLimiterStore,
  createRateLimiter,
  type RateLimitConfig,
  type RateLimitConfigInput,
  type RateLimitKey,
  rateLimitAlgorithms,
  rateLimitConfigSchema,
  rateLimitKeySchema,
} from './ratelimit/rate-limit-config.js';
export { rateLimitHeaders, sendRateLimited } from './ratelimit/rate-limit-headers.js';
export { RateLimitPolicy } from './ratelimit/rate-limit-policy.js';
export type { DecisionSource, RateLimitResult } from './ratelimit/rate-limit-result.js';
export { isRateLimitedError, RateLimitedError } from './ratelimit/rate-limited-error.js';
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
} from './ratelimit/rate-limiter.js';
export {
  RedisLimiterStore,
  type RedisLimiterStoreOptions,
  redisLimiterStoreOptionsSchema,
} from './ratelimit/redis-limiter-store.js';
export { tokenBucket } from './ratelimit/token-bucket.js';
export {
  ConcurrentRetryBudget,
  type ConcurrentRetryBudgetOptions,
  concurrentRetryBudgetSchema,
} from './retry/concurrent-retry-budget.js';
export { IDEMPOTENT_METHODS, isIdempotentRequest } from './retry/idempotency.js';
export {
  RateRetryBudget,
  type RateRetryBudgetOptions,
  rateRetryBudgetSchema,
} from './retry/rate-retry-budget.js';
export type { RetryBudget, RetryBudgetSnapshot } from './retry/retry-budget.js';
export {
  createRetryBudget,
  createRetryPolicy,
  defaultRetryBudget,
  type RetryBudgetConfig,
  type RetryConfig,
  type RetryConfigInput,
  type RetryHooks,
  type RetryOverride,
  retryBudgetConfigSchema,
  retryConfigSchema,
  retryErrorsExceptBrokenCircuit,
  retryOverrideSchema,
} from './retry/retry-config.js';
export {
  type GiveUpEvent,
  type RetryDecisionContext,
  type RetryEvent,
  RetryPolicy,
  type RetryPolicyOptions,
  retryPolicyOptionsSchema,
} from './retry/retry-policy.js';
export {
  AdaptiveTimeout,
  type AdaptiveTimeoutHooks,
  type AdaptiveTimeoutOptions,
  adaptiveTimeoutOptionsSchema,
} from './timeout/adaptive-timeout.js';
export { isTimeoutError, TimeoutError, type TimeoutScope } from './timeout/timeout-error.js';
export {
  TimeoutPolicy,
  type TimeoutPolicyOptions,
  timeoutPolicyOptionsSchema,
} from './timeout/timeout-policy.js';
export {
  createTimeouts,
  type Timeouts,
  type TimeoutsConfig,
  type TimeoutsConfigInput,
  type TimeoutsOverride,
  timeoutsConfigSchema,
  timeoutsOverrideSchema,
} from './timeout/timeouts-config.js';
export { TryDeadline } from './timeout/try-deadline.js';
