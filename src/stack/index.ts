/**
 * `faultline/stack`: the resilience policies and the gateway, usable without the chaos engine.
 * An explicit list: what is named here, and in the explicit lists of the folder indexes
 * re-exported whole (`export * from './retry/index.js'`: a folder whose index is exactly its
 * public part), is the public API (docs/policies.md, docs/gateway.md); everything else under
 * src/stack is internal and may change. The reference service is not part
 * of the stack; it is published as `faultline/service`.
 */

export { SeededRandom } from '../common/rng.js';
export type { Backoff, RandomSource } from './backoff/backoff.js';
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
export * from './balancer/index.js';
export * from './breaker/index.js';
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
export * from './concurrency/index.js';
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
export * from './hedge/index.js';
export * from './metrics/index.js';
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
export * from './ratelimit/index.js';
export * from './retry/index.js';
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
