import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import { AimdLimitFactor, aimdLimitFactorOptionsSchema } from './aimd-limit-factor.js';
import { gcra } from './gcra.js';
import type { LimiterStore } from './limiter-store.js';
import { MemoryLimiterStore, memoryLimiterStoreOptionsSchema } from './memory-limiter-store.js';
import { toQuota } from './quota.js';
import type { RateLimitAlgorithm } from './rate-limit-algorithm.js';
import { failureOptionsSchema, priorityOptionsSchema, RateLimiter } from './rate-limiter.js';
import { RedisLimiterStore, redisLimiterStoreOptionsSchema } from './redis-limiter-store.js';
import { tokenBucket } from './token-bucket.js';

/** Algorithms by wire name. */
export const rateLimitAlgorithms: Readonly<Record<'gcra' | 'token_bucket', RateLimitAlgorithm>> = {
  gcra,
  token_bucket: tokenBucket,
};

/** Whose bucket a request draws from. */
export const rateLimitKeySchema = z.union([
  z.enum(['ip', 'route', 'global']),
  z.object({ header: z.string().min(1).toLowerCase() }).strict(),
]);
export type RateLimitKey = z.infer<typeof rateLimitKeySchema>;

/**
 * A rate limit as written in the gateway config (`rateLimit` on a route or on the gateway).
 * @example { limit: 100, windowMs: 1000 }
 * @example { limit: 1000, key: { header: "x-api-key" }, store: { type: "redis", url: "redis://127.0.0.1:6379/15" },
 *            failure: { mode: "open", instances: 4 }, adaptive: { targetErrorRate: 0.05 }, priority: { reservedShare: 0.2 } }
 */
export const rateLimitConfigSchema = z
  .object({
    /**
     * RateLimit-Policy name.
     * @default the route name, or "global" on the gateway
     */
    name: z.string().min(1).optional(),
    /**
     * `gcra` (ATM Forum TM 4.0, as redis-cell) or `token_bucket` (as Envoy's local limit).
     * @default "gcra"
     */
    algorithm: z.enum(['gcra', 'token_bucket']).default('gcra'),
    /** Requests allowed per window. */
    limit: z.number().positive(),
    /** @default 1000 */
    windowMs: z.number().positive().default(1000),
    /**
     * Requests allowed at once from rest.
     * @default limit
     */
    burst: z.number().positive().optional(),
    /**
     * Per client IP (the socket's peer address), per value of a request header (a missing
     * header falls back to the IP), per route, or one bucket for everything.
     * @default "ip"
     */
    key: rateLimitKeySchema.default('ip'),
    /**
     * Where the buckets live: this process, or a Redis shared by every gateway instance.
     * @default { type: "memory" }
     */
    store: z
      .discriminatedUnion('type', [
        memoryLimiterStoreOptionsSchema.extend({ type: z.literal('memory') }),
        redisLimiterStoreOptionsSchema.extend({ type: z.literal('redis') }),
      ])
      .default({ type: 'memory', maxKeys: 100_000 }),
    /** What happens when the store is unreachable. */
    failure: failureOptionsSchema.default(failureOptionsSchema.parse({})),
    /** Adaptive limiting: the limit follows upstream health (AIMD). Off when absent. */
    adaptive: aimdLimitFactorOptionsSchema.optional(),
    /**
     * Keep a share of the limit for requests marked critical (by `header`: `value`). Off when absent.
     * @example { reservedShare: 0.2, header: "x-priority", value: "critical" }
     */
    priority: priorityOptionsSchema
      .extend({
        /** @default "x-priority" */
        header: z.string().min(1).toLowerCase().default('x-priority'),
        /** @default "critical" */
        value: z.string().min(1).default('critical'),
      })
      .optional(),
  })
  .strict();
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>;
export type RateLimitConfigInput = z.input<typeof rateLimitConfigSchema>;

/** Builds the store a config names (Redis connects in the background). */
export function createLimiterStore(
  config: RateLimitConfig['store'],
  algorithm: RateLimitAlgorithm,
  clock?: Clock,
): LimiterStore {
  const { type: _type, ...options } = config;
  return config.type === 'redis'
    ? new RedisLimiterStore(algorithm, options as z.input<typeof redisLimiterStoreOptionsSchema>)
    : new MemoryLimiterStore(algorithm, options as z.input<typeof memoryLimiterStoreOptionsSchema>, clock);
}

/** Parses a rate-limit config (ZodError names the key) and builds its RateLimiter. */
export function createRateLimiter(
  input: RateLimitConfigInput,
  hooks: { name?: string; clock?: Clock; store?: LimiterStore } = {},
): RateLimiter {
  const c = rateLimitConfigSchema.parse(input);
  const algorithm = rateLimitAlgorithms[c.algorithm];
  return new RateLimiter({
    policy: c.name ?? hooks.name ?? 'default',
    quota: toQuota({ limit: c.limit, windowMs: c.windowMs, burst: c.burst }),
    algorithm,
    store: hooks.store ?? createLimiterStore(c.store, algorithm, hooks.clock),
    failure: c.failure,
    priority: c.priority ? { reservedShare: c.priority.reservedShare } : undefined,
    factor: c.adaptive ? new AimdLimitFactor(c.adaptive, hooks.clock) : undefined,
    clock: hooks.clock,
  });
}
