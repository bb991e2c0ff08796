import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../common/clock.js';
import type { LimiterStore } from './limiter-store.js';
import {
  createRateLimiter,
  type RateLimitConfig,
  type RateLimitConfigInput,
  rateLimitConfigSchema,
} from './rate-limit-config.js';
import type { RateLimitResult } from './rate-limit-result.js';
import { RateLimitedError } from './rate-limited-error.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * A rate limit facing HTTP: picks the request's key (IP, header, route or global) and its
 * priority, asks the RateLimiter, and throws RateLimitedError (429 + Retry-After + RateLimit
 * headers) for a refused request. `record()` feeds upstream outcomes to the adaptive factor.
 */
export class HttpRateLimit {
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
  keyOf(req: IncomingMessage, route: string): string {
    const key = this.config.key;
    if (key === 'global') return 'global';
    if (key === 'route') return `route:${route}`;
    if (key !== 'ip') {
      const value = req.headers[key.header];
      const v = Array.isArray(value) ? value[0] : value;
      if (v) return `h:${key.header}:${v}`;
    }
    return `ip:${req.socket.remoteAddress ?? 'unknown'}`;
  }

  isCritical(req: IncomingMessage): boolean {
    const p = this.config.priority;
    return p !== undefined && req.headers[p.header] === p.value;
  }

  /** Resolves with the decision when admitted; rejects with RateLimitedError when refused. */
  async admit(req: IncomingMessage, route: string): Promise<RateLimitResult> {
    const result = await this.limiter.consume(this.keyOf(req, route), { critical: this.isCritical(req) });
    if (!result.allowed) throw new RateLimitedError(result);
    return result;
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
