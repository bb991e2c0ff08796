import { z } from 'zod';
import type { RetryBudget, RetryBudgetSnapshot } from './retry-budget.js';

/** Envoy's retry budget (`retry_budget`: budget_percent, min_retry_concurrency). */
export const concurrentRetryBudgetSchema = z
  .object({
    type: z.literal('concurrent'),
    /**
     * Retries in flight may be at most this percent of the requests in flight (Envoy's
     * budget_percent).
     * @default 20
     */
    percent: z.number().min(0).max(100).default(20),
    /**
     * Retries always allowed in flight at once, however few requests are (Envoy's
     * min_retry_concurrency).
     * @default 3
     */
    minConcurrent: z.number().int().min(0).default(3),
  })
  .strict();
export type ConcurrentRetryBudgetOptions = Omit<z.input<typeof concurrentRetryBudgetSchema>, 'type'>;

/**
 * Envoy's in-flight retry budget: a retry may start only while active retries <
 * max(minConcurrent, percent % × active requests). It bounds retry storms, but it counts
 * requests *in flight*: when a host hangs, the requests stuck on it all need their retry at the
 * same moment, and a share of the requests in flight refuses some of them. `RateRetryBudget`
 * (the default) does not have that problem.
 */
export class ConcurrentRetryBudget implements RetryBudget {
  readonly percent: number;
  readonly minConcurrent: number;
  private activeRequests = 0;
  private activeRetries = 0;

  constructor(options: ConcurrentRetryBudgetOptions = {}) {
    const o = concurrentRetryBudgetSchema.parse({ ...options, type: 'concurrent' });
    this.percent = o.percent;
    this.minConcurrent = o.minConcurrent;
  }

  requestStarted(): void {
    this.activeRequests++;
  }

  requestEnded(): void {
    this.activeRequests--;
  }

  tryStartRetry(): boolean {
    if (this.activeRetries >= this.allowed()) return false;
    this.activeRetries++;
    return true;
  }

  retryEnded(): void {
    this.activeRetries--;
  }

  snapshot(): RetryBudgetSnapshot {
    return {
      type: 'concurrent',
      activeRequests: this.activeRequests,
      activeRetries: this.activeRetries,
      allowedRetries: this.allowed(),
    };
  }

  private allowed(): number {
    return Math.max(this.minConcurrent, Math.floor((this.percent / 100) * this.activeRequests));
  }
}
