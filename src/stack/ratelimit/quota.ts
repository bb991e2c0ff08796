import { z } from 'zod';

/**
 * How much a key may do: `limit` units per `windowMs`, with up to `burst` at once from rest.
 * The rate is `limit / windowMs`; the burst is the bucket's capacity (GCRA's tolerance).
 * @example { limit: 100, windowMs: 1000 }            // 100 req/s, 100 at once
 * @example { limit: 600, windowMs: 60000, burst: 20 } // 10 req/s sustained, 20 at once
 */
export const quotaSchema = z
  .object({
    /** Units (requests) allowed per window; the sustained rate is limit / windowMs. */
    limit: z.number().positive(),
    /**
     * Window in ms over which `limit` applies.
     * @default 1000
     */
    windowMs: z.number().positive().default(1000),
    /**
     * Units allowed at once from a full bucket.
     * @default limit
     */
    burst: z.number().positive().optional(),
  })
  .strict();
export type QuotaInput = z.input<typeof quotaSchema>;

/** A parsed quota, burst resolved. */
export interface Quota {
  /** Units per window. */
  readonly limit: number;
  /** Window, in ms. */
  readonly windowMs: number;
  /** Capacity, in units. */
  readonly burst: number;
}

export function toQuota(input: QuotaInput): Quota {
  const q = quotaSchema.parse(input);
  return { limit: q.limit, windowMs: q.windowMs, burst: q.burst ?? q.limit };
}

/** `quota` with its limit and burst scaled by `factor` (never below one unit). */
export function scaleQuota(quota: Quota, factor: number): Quota {
  if (factor === 1) return quota;
  return {
    limit: Math.max(1, quota.limit * factor),
    windowMs: quota.windowMs,
    burst: Math.max(1, quota.burst * factor),
  };
}

/** The answer for one quota. Times in ms, counts in units. */
export interface QuotaDecision {
  /** This quota alone would admit the request. */
  readonly allowed: boolean;
  /** The quota's limit (units per window), as advertised in RateLimit-Policy `q`. */
  readonly limit: number;
  /** Units still available right now after this decision (RateLimit `r`). */
  readonly remaining: number;
  /** Until the bucket is full again, in ms (RateLimit `t`). */
  readonly resetMs: number;
  /** Until a request of the same cost would be admitted; 0 when allowed. */
  readonly retryAfterMs: number;
}
