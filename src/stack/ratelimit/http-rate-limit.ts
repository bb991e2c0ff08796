import { abortReason, neverAbortedSignal } from '../../common/abort.js';
import type { Clock } from '../../common/clock.js';
import { FaultlineError } from '../../common/errors.js';
import type { Policy, PolicyContext, RequestInfo } from '../policy/policy.js';
import type { LimiterStore } from './limiter-store.js';
import {
  createRateLimiter,
  type RateLimitConfig,
  type RateLimitConfigInput,
  rateLimitConfigSchema,
} from './rate-limit-config.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimitResult } from './rate-limit-result.js';
import { RateLimitedError } from './rate-limited-error.js';
import type { RateLimiter } from './rate-limiter.js';

/** The part of a request a rate limit reads: its headers, its client address, its route. */
export type RateLimitedRequest = Pick<RequestInfo, 'headers' | 'remoteAddress' | 'route'>;

/** A request-keyed rate limit run without the request it should key on: a composition mistake. */
export class RateLimitRequestMissingError extends FaultlineError {
  constructor() {
    super(
      'FL_RATELIMIT_NO_REQUEST',
      'a request-keyed rate limit ran without a request: pass it as execute(fn, signal, request)',
    );
  }
}

/**
 * A rate limit facing HTTP, and the chain's `rate-limit` stage (src/stack/policy/stages.ts):
 * picks the request's key (IP, header, route or global) and its priority, asks the RateLimiter,
 * and throws RateLimitedError (429 + Retry-After + RateLimit headers; 503 when failing closed)
 * for a refused request. An admitted request gets its RateLimit headers through
 * `request.setResponseHeader`. `record()` feeds upstream outcomes to the adaptive factor.
 * @example composeStages([{ name: 'rate-limit', policy: new HttpRateLimit({ limit: 100, windowMs: 1000 }) }])
 *   .execute(fn, signal, { method, path, headers, remoteAddress })
 */
export class HttpRateLimit implements Policy {
  readonly limiter: RateLimiter;
  readonly config: RateLimitConfig;

  constructor(
    input: RateLimitConfigInput,
    hooks: { name?: string; clock?: Clock; store?: LimiterStore } = {},
  ) {
    this.config = rateLimitConfigSchema.parse(input);
    this.limiter = createRateLimiter(this.config, hooks);
  }

  /** The bucket key of a request on `route`. */
  keyOf(req: RateLimitedRequest, route: string = req.route ?? ''): string {
    const key = this.config.key;
    if (key === 'global') return 'global';
    if (key === 'route') return `route:${route}`;
    if (key !== 'ip') {
      const value = req.headers[key.header];
      const v = Array.isArray(value) ? value[0] : value;
      if (v) return `h:${key.header}:${v}`;
    }
    return `ip:${req.remoteAddress ?? 'unknown'}`;
  }

  isCritical(req: RateLimitedRequest): boolean {
    const p = this.config.priority;
    return p !== undefined && req.headers[p.header] === p.value;
  }

  /** Resolves with the decision when admitted; rejects with RateLimitedError when refused. */
  async admit(req: RateLimitedRequest, route: string = req.route ?? ''): Promise<RateLimitResult> {
    const result = await this.limiter.consume(this.keyOf(req, route), { critical: this.isCritical(req) });
    if (!result.allowed) throw new RateLimitedError(result);
    return result;
  }

  /**
   * As a stage: admits `request` (throws RateLimitedError when refused, RateLimitRequestMissingError
   * without a request), sets its RateLimit headers, then runs `fn`. Each decision is bounded by the
   * limiter's store timeout, so a dead store never holds the request.
   */
  async execute<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    signal: AbortSignal = neverAbortedSignal,
    request?: RequestInfo,
  ): Promise<T> {
    if (!request) throw new RateLimitRequestMissingError();
    const decision = await this.admit(request);
    if (request.setResponseHeader)
      for (const [name, value] of Object.entries(rateLimitHeaders(decision)))
        request.setResponseHeader(name, value);
    if (signal.aborted) throw abortReason(signal);
    return fn({ signal, attempt: 0, request });
  }

  /** One upstream outcome for adaptive limiting (no-op without `adaptive`). */
  record(sample: { ok: boolean; latencyMs: number }): void {
    this.limiter.factorSource?.record(sample);
  }

  /** See RateLimiter.ready: bounded, never rejects. */
  ready(timeoutMs?: number): Promise<boolean> {
    return this.limiter.ready(timeoutMs);
  }

  close(): Promise<void> {
    return this.limiter.close();
  }
}
