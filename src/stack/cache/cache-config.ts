import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import { EntryCodec } from './cache-entry.js';
import type { CacheStore } from './cache-store.js';
import { HttpCache } from './http-cache.js';
import { MemoryCacheStore, memoryCacheStoreOptionsSchema } from './memory-cache-store.js';
import { MonitoredCacheStore, tierMonitorOptionsSchema } from './monitored-cache-store.js';
import { RedisCacheStore, redisCacheStoreOptionsSchema } from './redis-cache-store.js';
import { defaultUnkeyedHeaders } from './unkeyed-headers.js';

/**
 * RFC 9110 §15.1 "heuristically cacheable" statuses, minus 206 (partial content is not stored).
 * Only stored with explicit freshness all the same.
 */
export const defaultCacheableStatuses = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];

export const defaultContentTypes = [
  'text/*',
  'application/json',
  'application/*+json',
  'application/javascript',
  'application/xml',
  'application/*+xml',
  'image/*',
  'font/*',
];

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected a header name' })
  .transform((h) => h.toLowerCase());

/**
 * The gateway's response cache on a route (`routes[].cache`). Every field has a default, so
 * `cache: {}` is a memory-only cache.
 * @example { redis: { url: "redis://127.0.0.1:6379", db: 15, keyPrefix: "gw1:cache:" }, integrity: { key: "…" } }
 */
export const cacheConfigSchema = z
  .object({
    /** The in-process tier (lru-cache); `false` for none. @default {} (10000 entries, 64 MiB) */
    memory: z
      .union([memoryCacheStoreOptionsSchema, z.literal(false)])
      .default(memoryCacheStoreOptionsSchema.parse({})),
    /** The shared tier on Redis, behind a breaker and a health monitor. None when absent. */
    redis: redisCacheStoreOptionsSchema
      .extend({
        /** @default { breaker: consecutive 3, halfOpenAfter 1000 ms, halfOpenProbes 2; checkIntervalMs 250 } */
        monitor: tierMonitorOptionsSchema.default(tierMonitorOptionsSchema.parse({})),
      })
      .strict()
      .optional(),
    integrity: z
      .object({
        /**
         * HMAC-SHA256 key (≥ 16 characters). Every gateway sharing a Redis tier needs the same
         * one. @default 32 random bytes per process (a shared tier then only serves its writer)
         */
        key: z.string().min(16).optional(),
        /**
         * Check every entry's HMAC, key and size before serving it. `false` exists only as a
         * negative control for the corruption scenario. @default true
         */
        verify: z.boolean().default(true),
      })
      .strict()
      .default({ verify: true }),
    /** Bodies above this are passed through unstored, in bytes. @default 1048576 (1 MiB) */
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .default(1024 * 1024),
    /** Content types that may be stored (`type/*`, `type/*+suffix`). @default text/*, JSON, JS, XML, image/*, font/* */
    contentTypes: z
      .array(z.string().regex(/^[A-Za-z0-9*!#$&^_.+-]+\/[A-Za-z0-9*!#$&^_.+-]+$/))
      .default(defaultContentTypes),
    /** Statuses that may be stored, with explicit freshness. @default [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501] */
    statuses: z.array(z.number().int().min(100).max(599)).default(defaultCacheableStatuses),
    /** Request headers stripped before forwarding (they are not part of the key). @default see unkeyed-headers.ts */
    unkeyedHeaders: z.array(headerName).default([...defaultUnkeyedHeaders]),
    /** Strip `unkeyedHeaders`. `false` only as a negative control for the poisoning scenario. @default true */
    stripUnkeyedHeaders: z.boolean().default(true),
    /** Honour RFC 5861 `stale-while-revalidate`. @default true */
    staleWhileRevalidate: z.boolean().default(true),
    /** Honour RFC 5861 `stale-if-error`. @default true */
    staleIfError: z.boolean().default(true),
    /** A request for a key being fetched waits this long for that fetch, in ms (nginx proxy_cache_lock_timeout). @default 5000 */
    lockTimeoutMs: z.number().int().min(0).default(5000),
    /** Sort query parameters in the key and the forwarded target. @default true */
    sortQuery: z.boolean().default(true),
    /** Longer request targets are not cached, in bytes. @default 2048 */
    maxTargetBytes: z.number().int().min(1).default(2048),
    /** Responses varying on more headers are not stored. @default 8 */
    maxVaryHeaders: z.number().int().min(0).default(8),
  })
  .strict();
export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type CacheConfigInput = z.input<typeof cacheConfigSchema>;

/** Runtime hooks a config file cannot express. */
export interface CacheHooks {
  /** Wall clock for entry ages, epoch ms. */
  now?: () => number;
  /** Clock of the tier breaker. */
  clock?: Clock;
}

/** Parses a cache config (throws ZodError naming the key) and builds the cache with its tiers. */
export function createHttpCache(config: CacheConfigInput = {}, hooks: CacheHooks = {}): HttpCache {
  const c = cacheConfigSchema.parse(config);
  const stores: CacheStore[] = [];
  if (c.memory !== false) stores.push(new MemoryCacheStore(c.memory));
  if (c.redis) {
    const { monitor, ...redis } = c.redis;
    stores.push(new MonitoredCacheStore(new RedisCacheStore(redis), monitor, hooks.clock));
  }
  return new HttpCache({
    stores,
    codec: new EntryCodec(c.integrity.key ?? randomBytes(32), c.integrity.verify),
    rules: {
      statuses: new Set(c.statuses),
      contentTypes: c.contentTypes,
      maxBodyBytes: c.maxBodyBytes,
      maxVaryHeaders: c.maxVaryHeaders,
      staleWhileRevalidate: c.staleWhileRevalidate,
      staleIfError: c.staleIfError,
    },
    keys: { maxTargetBytes: c.maxTargetBytes, sortQuery: c.sortQuery },
    unkeyedHeaders: c.stripUnkeyedHeaders ? new Set(c.unkeyedHeaders) : undefined,
    lockTimeoutMs: c.lockTimeoutMs,
    ...(hooks.now ? { now: hooks.now } : {}),
  });
}
