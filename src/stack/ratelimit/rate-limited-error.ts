import { FaultlineError } from '../../common/errors.js';
import { ceilSeconds, rateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimitResult } from './rate-limit-result.js';

/**
 * A request the rate limiter refused: 429 with Retry-After and the RateLimit-Policy / RateLimit
 * headers, or 503 when the limiter failed closed because its store was unreachable.
 */
export class RateLimitedError extends FaultlineError {
  /** Seconds until the same request would be admitted (the Retry-After header). */
  readonly retryAfterSeconds: number;
  /** Response headers to send with the refusal (RateLimit-Policy, RateLimit). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(readonly result: RateLimitResult) {
    const closed = result.source === 'fail-closed';
    super(
      closed ? 'FL_RATELIMIT_UNAVAILABLE' : 'FL_RATE_LIMITED',
      closed
        ? `rate limiter "${result.policy}" cannot reach its store and fails closed`
        : `rate limit "${result.policy}" exceeded`,
      { httpStatus: closed ? 503 : 429 },
    );
    this.retryAfterSeconds = Math.max(1, ceilSeconds(result.retryAfterMs));
    this.headers = rateLimitHeaders(result);
  }
}

export function isRateLimitedError(err: unknown): err is RateLimitedError {
  return err instanceof RateLimitedError;
}
