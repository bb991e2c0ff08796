/**
 * A breaker strategy decides, while the circuit is closed, when it should open. It only counts;
 * the closed / open / half-open state machine lives in `CircuitBreakerPolicy`, so a new strategy is
 * one small file (see `consecutive-breaker.ts`) and runs the contract suite in
 * `test/stack/breaker/breaker-contract.ts`.
 */
export interface Breaker {
  /** Plain data for metrics and the admin endpoint (counters, window totals). */
  snapshot(): BreakerSnapshot;
  /** A call succeeded while the circuit was closed. */
  success(): void;
  /** A call failed while the circuit was closed; true means "open the circuit now". */
  failure(): boolean;
  /** Forget everything: the circuit just closed again after successful probes. */
  reset(): void;
}

export interface BreakerSnapshot {
  readonly type: string;
  readonly [counter: string]: number | string;
}
