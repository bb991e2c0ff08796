/**
 * The one back-off of the stack (retries, a breaker's half-open delay). A `Backoff` is a pure
 * rule: the delay before try number `attempt` (1 = the first retry or re-open) given the delay
 * it returned last time (0 before the first). The caller keeps that state, so one Backoff value is
 * shared by any number of concurrent calls.
 */
export interface Backoff {
  delay(attempt: number, previousMs: number): number;
}
