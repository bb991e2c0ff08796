/**
 * What a RetryPolicy asks of a retry budget: one small interface, two implementations
 * (`RateRetryBudget`, the default, and `ConcurrentRetryBudget`). Share one budget across every
 * RetryPolicy that calls the same upstream, so that a wholesale failure adds a bounded share of
 * extra load instead of multiplying it by the number of tries.
 */
export interface RetryBudget {
  /** A request (first try and all its retries) started. */
  requestStarted(): void;
  /** That request finished (whatever the outcome). */
  requestEnded(): void;
  /** Takes one retry from the budget if it allows; pair a `true` with `retryEnded()`. */
  tryStartRetry(): boolean;
  /** The retry taken by `tryStartRetry()` finished. */
  retryEnded(): void;
  /** Plain data for the admin API and metrics. */
  snapshot(): RetryBudgetSnapshot;
}

export type RetryBudgetSnapshot =
  | {
      readonly type: 'rate';
      /** Requests started within the window. */
      readonly requests: number;
      /** Retries started within the window. */
      readonly retries: number;
      /** Retries the window allows: minRetriesPerSecond × window + percent % of `requests`. */
      readonly allowedRetries: number;
      readonly windowMs: number;
    }
  | {
      readonly type: 'concurrent';
      readonly activeRequests: number;
      readonly activeRetries: number;
      /** Retries allowed in flight right now: max(minConcurrent, percent % of activeRequests). */
      readonly allowedRetries: number;
    };
