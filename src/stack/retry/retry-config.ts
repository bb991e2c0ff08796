import { z } from 'zod';
import type { RandomSource } from '../backoff/backoff.js';
import { backoffConfigSchema, createBackoff } from '../backoff/backoff-config.js';
import { isBrokenCircuitError } from '../breaker/broken-circuit-error.js';
import type { Outcome } from '../policy/outcome.js';
import { RetryBudget, retryBudgetOptionsSchema } from './retry-budget.js';
import { type RetryDecisionContext, RetryPolicy } from './retry-policy.js';

/**
 * Retries as written in the gateway config.
 * @example { maxAttempts: 3, backoff: { type: 'full-jitter', baseMs: 25, capMs: 250 }, budget: { ratio: 0.2 } }
 */
export const retryConfigSchema = z.object({
  /**
   * Tries in all, the first included.
   * @default 3
   */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /**
   * Delay between tries.
   * @default { type: 'full-jitter', baseMs: 25, capMs: 250 }
   */
  backoff: backoffConfigSchema.default({ type: 'full-jitter', baseMs: 25, capMs: 250 }),
  /**
   * The retry budget (shared per upstream when the gateway passes one in), or false for none.
   * @default { ratio: 0.2, minConcurrency: 3 }
   */
  budget: z.union([retryBudgetOptionsSchema, z.literal(false)]).default({ ratio: 0.2, minConcurrency: 3 }),
});
export type RetryConfig = z.input<typeof retryConfigSchema>;

/** Retry thrown errors, except a broken circuit (failing fast is its point); never retry values. */
export const retryErrorsExceptBrokenCircuit = (outcome: Outcome): boolean =>
  !outcome.ok && !isBrokenCircuitError(outcome.error);

export interface RetryHooks {
  shouldRetry?: (outcome: Outcome, ctx: RetryDecisionContext) => boolean;
  /** A budget shared with other routes to the same upstream; wins over `config.budget`. */
  budget?: RetryBudget;
  random?: RandomSource;
}

export function createRetryPolicy(config: RetryConfig = {}, hooks: RetryHooks = {}): RetryPolicy {
  const c = retryConfigSchema.parse(config);
  return new RetryPolicy({
    maxAttempts: c.maxAttempts,
    backoff: createBackoff(c.backoff, hooks.random),
    shouldRetry: hooks.shouldRetry ?? retryErrorsExceptBrokenCircuit,
    budget: hooks.budget ?? (c.budget === false ? undefined : new RetryBudget(c.budget)),
  });
}
