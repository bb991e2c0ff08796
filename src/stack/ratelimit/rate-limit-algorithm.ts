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
 * The Lua chunk defines two functions, called once per key with no tables in between:
 * - `step(raw, now, limit, window, burst, cost)`: `raw` is the key's stored value (a string, or
 *   `false` when absent), `now` in ms; returns `allowed (0/1), remaining, reset_ms, retry_ms,
 *   ttl_ms, s1[, s2]` (ttl_ms and the state matter only when every key admits).
 * - `encode(s1, s2)`: the value to SET for that state (a string, or a Lua number, which Redis
 *   writes with 17 significant digits, so it round-trips exactly).
 */
export interface RateLimitAlgorithm {
  /** Wire name: `gcra` or `token_bucket`. */
  readonly name: string;
  step(state: LimiterState | undefined, quota: Quota, nowMs: number, cost: number): AlgorithmStep;
  readonly lua: string;
}
