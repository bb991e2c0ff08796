import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import type { RandomSource } from '../../common/rng.js';
import {
  AdaptiveConcurrencyLimit,
  adaptiveConcurrencyLimitOptionsSchema,
} from './adaptive-concurrency-limit.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

/**
 * A concurrency limiter as written in the gateway config.
 * @example { limit: 64, maxQueue: 128, queueTimeoutMs: 500 }
 * @example { limit: { type: 'adaptive', minLimit: 4, maxLimit: 512 }, maxQueue: 0 }
 */
export const concurrencyConfigSchema = z.object({
  /**
   * A fixed limit, or `{ type: 'adaptive', … }` for the gradient controller.
   * @default 100
   */
  limit: z
    .union([
      z.number().int().min(1),
      z
        .object({ type: z.literal('adaptive'), ...adaptiveConcurrencyLimitOptionsSchema.shape })
        .refine((o) => o.maxLimit >= o.minLimit, {
          message: 'maxLimit must be >= minLimit',
          path: ['maxLimit'],
        }),
    ])
    .default(100),
  /**
   * Calls that may wait for a slot; 0 = shed at once when the limit is reached.
   * @default 100
   */
  maxQueue: z.number().int().min(0).default(100),
  /**
   * Longest wait for a slot, in ms.
   * @default 1000
   */
  queueTimeoutMs: z.number().positive().default(1000),
  /**
   * Retry-After seconds on a shed response.
   * @default 1
   */
  retryAfterSeconds: z.number().int().min(0).default(1),
});
export type ConcurrencyConfig = z.input<typeof concurrencyConfigSchema>;

export function createConcurrencyLimiter(
  config: ConcurrencyConfig = {},
  hooks: { clock?: Clock; random?: RandomSource } = {},
): ConcurrencyLimiter {
  const c = concurrencyConfigSchema.parse(config);
  const limit = typeof c.limit === 'number' ? c.limit : new AdaptiveConcurrencyLimit(c.limit, hooks);
  return new ConcurrencyLimiter({
    limit,
    maxQueue: c.maxQueue,
    queueTimeoutMs: c.queueTimeoutMs,
    retryAfterSeconds: c.retryAfterSeconds,
    clock: hooks.clock,
  });
}
