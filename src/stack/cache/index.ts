export {
  type CacheConfig,
  type CacheConfigInput,
  type CacheHooks,
  cacheConfigSchema,
  createHttpCache,
  defaultCacheableStatuses,
  defaultContentTypes,
} from './cache-config.js';
export { type CacheControl, parseCacheControl } from './cache-control.js';
export { type CacheEntry, EntryCodec, EntryRejected, type IntegrityFailure } from './cache-entry.js';
export {
  type KeyOptions,
  type KeyPlan,
  normalizeHost,
  planCacheKey,
  removeDotSegments,
} from './cache-key.js';
export { type CacheStore, isPingable, type PingableCacheStore } from './cache-store.js';
export { contentTypeAllowed, planStorage, type StoragePlan, type StorageRules } from './freshness.js';
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
} from './http-cache.js';
export {
  MemoryCacheStore,
  type MemoryCacheStoreOptions,
  memoryCacheStoreOptionsSchema,
} from './memory-cache-store.js';
export {
  MonitoredCacheStore,
  type TierMonitorOptions,
  type TierStateChange,
  tierMonitorOptionsSchema,
} from './monitored-cache-store.js';
export {
  RedisCacheStore,
  type RedisCacheStoreOptions,
  redisCacheStoreOptionsSchema,
} from './redis-cache-store.js';
export { defaultUnkeyedHeaders } from './unkeyed-headers.js';
