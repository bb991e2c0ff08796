import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import type { RandomSource } from '../../common/rng.js';
import { backoffConfigSchema, createBackoff } from '../backoff/backoff-config.js';
import { isBrokenCircuitError } from '../breaker/broken-circuit-error.js';
import type { Outcome } from '../policy/outcome.js';
import { ConcurrentRetryBudget, concurrentRetryBudgetSchema } from './concurrent-retry-budget.js';
import { RateRetryBudget, rateRetryBudgetSchema } from './rate-retry-budget.js';
import type { RetryBudget } from './retry-budget.js';
import { type RetryDecisionContext, RetryPolicy } from './retry-policy.js';

/** `{ baseMs, capMs }` without a type: full jitter (Envoy's retry back-off). */
const fullJitterShorthand = z
  .object({
    /** @default 25 */
    baseMs: z.number().min(0).default(25),
    /** @default 250 */
    capMs: z.number().min(0).default(250),
  })
  .strict()
  .transform((o) => ({ type: 'full-jitter' as const, ...o }));
const retryBackoffSchema = z.union([backoffConfigSchema, fullJitterShorthand]);

/** A retry budget: the rate budget (`type` may be left out) or the concurrent one. */
export const retryBudgetConfigSchema = z.union([rateRetryBudgetSchema, concurrentRetryBudgetSchema]);
export type RetryBudgetConfig = z.input<typeof retryBudgetConfigSchema>;

export const defaultRetryBudget = rateRetryBudgetSchema.parse({});

/**
 * Retries, as written in a gateway config (per cluster, overridable per route) or passed to
 * `createRoutePolicies`.
 * @example { maxRetries: 2, retryOn: [502, 503, 504], backoff: { baseMs: 25, capMs: 250 }, budget: { percent: 20 } }
 */
export const retryConfigSchema = z
  .object({
    /**
     * Extra tries after the first (Envoy's num_retries); the gateway sends each to a host not
     * tried yet. Only idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, TRACE, or an
     * Idempotency-Key) are retried.
     * @default 2
     */
    maxRetries: z.number().int().min(0).max(99).default(2),
    /**
     * Upstream statuses that are retried (connect errors, resets and per-try timeouts always are).
     * @default [502, 503, 504]
     */
    retryOn: z.array(z.number().int().min(500).max(599)).default([502, 503, 504]),
    /**
     * Back-off before a retry; `{ baseMs, capMs }` alone is full jitter:
     * random(0, min(cap, base·2^(n−1))) ms.
     * @default { type: 'full-jitter', baseMs: 25, capMs: 250 }
     */
    backoff: retryBackoffSchema.default({ type: 'full-jitter', baseMs: 25, capMs: 250 }),
    /**
     * The retry budget, shared by every route to the cluster; `false` for none (only maxRetries
     * then limits retries). The default is the rate budget: retries ≤ 20 % of the requests of the
     * last 10 s, plus 10 retries per second always allowed.
     * @default { type: 'rate', windowMs: 10000, percent: 20, minRetriesPerSecond: 10 }
     * @example { type: 'concurrent', percent: 20, minConcurrent: 3 }
     */
    budget: z.union([z.literal(false), retryBudgetConfigSchema]).default(defaultRetryBudget),
  })
  .strict();
export type RetryConfig = z.output<typeof retryConfigSchema>;
export type RetryConfigInput = z.input<typeof retryConfigSchema>;

/**
 * A route's overrides of its cluster's retry settings: only the keys given replace the
 * cluster's (no defaults here, or a route setting one key would silently reset the others). The
 * budget stays the cluster's.
 */
export const retryOverrideSchema = z
  .object({
    maxRetries: retryConfigSchema.shape.maxRetries.unwrap().optional(),
    retryOn: retryConfigSchema.shape.retryOn.unwrap().optional(),
    backoff: retryBackoffSchema.optional(),
  })
  .strict();
export type RetryOverride = z.input<typeof retryOverrideSchema>;

/** Builds the budget a config describes (undefined for `false`). */
export function createRetryBudget(
  config: RetryBudgetConfig | false = defaultRetryBudget,
  clock?: Clock,
): RetryBudget | undefined {
  if (config === false) return undefined;
  const c = retryBudgetConfigSchema.parse(config);
  return c.type === 'rate' ? new RateRetryBudget(c, clock) : new ConcurrentRetryBudget(c);
}

/** Retry thrown errors, except a broken circuit (failing fast is its point); never retry values. */
export const retryErrorsExceptBrokenCircuit = (outcome: Outcome): boolean =>
  !outcome.ok && !isBrokenCircuitError(outcome.error);

/** Runtime hooks a config file cannot express. */
export interface RetryHooks {
  /** What may be retried. @default retryErrorsExceptBrokenCircuit */
  shouldRetry?: (outcome: Outcome, ctx: RetryDecisionContext) => boolean;
  /** A budget shared with other routes to the same upstream; wins over `config.budget`. */
  budget?: RetryBudget;
  random?: RandomSource;
  clock?: Clock;
}

/** Parses a retry config (ZodError names the key) and builds the policy. */
export function createRetryPolicy(config: RetryConfigInput = {}, hooks: RetryHooks = {}): RetryPolicy {
  const c = retryConfigSchema.parse(config);
  return new RetryPolicy({
    maxAttempts: c.maxRetries + 1,
    backoff: createBackoff(c.backoff, hooks.random),
    shouldRetry: hooks.shouldRetry ?? retryErrorsExceptBrokenCircuit,
    budget: hooks.budget ?? createRetryBudget(c.budget, hooks.clock),
  });
}
