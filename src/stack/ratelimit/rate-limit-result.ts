/** Who answered a decision. */
export type DecisionSource = 'store' | 'insurance' | 'fail-closed';

/** A rate-limit decision for one request, as the HTTP side needs it. Times in ms. */
export interface RateLimitResult {
  readonly allowed: boolean;
  /** Policy name, as in RateLimit-Policy. */
  readonly policy: string;
  /** Effective limit (units per window) after the adaptive factor: RateLimit-Policy `q`. */
  readonly limit: number;
  /** Window of `limit`, in ms: RateLimit-Policy `w` (in seconds). */
  readonly windowMs: number;
  /** Units left right now: RateLimit `r`. */
  readonly remaining: number;
  /** Until the quota is whole again, in ms: RateLimit `t` (in seconds). */
  readonly resetMs: number;
  /** Until a retry would be admitted; 0 when allowed. Retry-After (in seconds). */
  readonly retryAfterMs: number;
  /** The shared store, the local insurance limiter (store unreachable), or a fail-closed refusal. */
  readonly source: DecisionSource;
  /** Partition key (the client key) the decision was about. */
  readonly key: string;
}
