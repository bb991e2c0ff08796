import { z } from 'zod';

export const retryBudgetOptionsSchema = z.object({
  /**
   * Share of the active requests that may be retries at any moment (Envoy's budget_percent / 100).
   * @default 0.2
   */
  ratio: z.number().min(0).max(1).default(0.2),
  /**
   * Retries always allowed at once, however few requests are active (Envoy's min_retry_concurrency).
   * @default 3
   */
  minConcurrency: z.number().int().min(0).default(3),
});
export type RetryBudgetOptions = z.input<typeof retryBudgetOptionsSchema>;

export interface RetryBudgetSnapshot {
  readonly activeRequests: number;
  readonly activeRetries: number;
  /** Retries allowed right now: max(minConcurrency, ratio × activeRequests). */
  readonly allowedRetries: number;
}

/**
 * Envoy's retry budget: a retry may start only while active retries < max(minConcurrency,
 * ratio × active requests). Share one budget across every RetryPolicy that calls the same
 * upstream; when the upstream fails wholesale, retries are capped at a fifth of the traffic
 * instead of multiplying it by maxAttempts.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minConcurrency: number;
  private activeRequests = 0;
  private activeRetries = 0;

  constructor(options: RetryBudgetOptions = {}) {
    const o = retryBudgetOptionsSchema.parse(options);
    this.ratio = o.ratio;
    this.minConcurrency = o.minConcurrency;
  }

  /** A request (first try and all its retries) started. */
  requestStarted(): void {
    this.activeRequests++;
  }

  requestEnded(): void {
    this.activeRequests--;
  }

  /** Takes a retry slot if the budget allows; release it with `retryEnded()`. */
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
      activeRequests: this.activeRequests,
      activeRetries: this.activeRetries,
      allowedRetries: this.allowed(),
    };
  }

  private allowed(): number {
    return Math.max(this.minConcurrency, Math.floor(this.ratio * this.activeRequests));
  }
}
