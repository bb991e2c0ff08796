import type { Quota, QuotaDecision } from './quota.js';

/** A key's stored state: the numbers an algorithm keeps (GCRA one, token bucket two). */
export type LimiterState = readonly number[];

/** One pure decision: the answer, the state to store if the request is admitted, and its TTL. */
export interface AlgorithmStep {
  readonly decision: QuotaDecision;
  /** State to write when every quota of the decision admits the request. */
  readonly next: LimiterState;
  /** How long the state matters, in ms: after it, a missing key means "full bucket". */
  readonly ttlMs: number;
}

/**
 * A rate-limiting algorithm: a pure function from stored state, quota, time and cost to a
 * decision, plus the same function in Lua for stores that decide server-side (Redis).
 * The Lua chunk defines `step(state, now, limit, window, burst, cost)` returning
 * `allowed (0/1), remaining, reset_ms, retry_ms, ttl_ms, s1[, s2]`, where state is a Lua array
 * of numbers or nil.
 */
export interface RateLimitAlgorithm {
  /** Wire name: `gcra` or `token_bucket`. */
  readonly name: string;
  step(state: LimiterState | undefined, quota: Quota, nowMs: number, cost: number): AlgorithmStep;
  readonly lua: string;
}
