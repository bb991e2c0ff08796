import { abortReason, neverAbortedSignal } from '../../common/abort.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import type { RateLimitResult } from './rate-limit-result.js';
import { RateLimitedError } from './rate-limited-error.js';
import type { ConsumeOptions, RateLimiter } from './rate-limiter.js';

/**
 * A RateLimiter as a Policy for one key: `execute(fn)` runs `fn` if the limiter admits the
 * request, else rejects with RateLimitedError (429 + Retry-After + RateLimit headers, or 503
 * when failing closed). Composes with `wrap()` like every other policy; `onDecision` sees
 * every result (e.g. to add the RateLimit headers to admitted responses).
 */
export class RateLimitPolicy implements Policy {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly key: string = 'global',
    private readonly options: ConsumeOptions & { onDecision?: (result: RateLimitResult) => void } = {},
  ) {}

  /** The same limiter for another key (one small object per request). */
  forKey(key: string, options: ConsumeOptions = {}): RateLimitPolicy {
    return new RateLimitPolicy(this.limiter, key, { ...this.options, ...options });
  }

  async execute<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    signal: AbortSignal = neverAbortedSignal,
  ): Promise<T> {
    if (signal.aborted) throw abortReason(signal);
    const result = await this.limiter.consume(this.key, this.options);
    this.options.onDecision?.(result);
    if (!result.allowed) throw new RateLimitedError(result);
    if (signal.aborted) throw abortReason(signal);
    return fn({ signal, attempt: 0 });
  }
}
