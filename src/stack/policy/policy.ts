import { neverAbortedSignal } from './abort.js';

/**
 * The one interface every resilience policy of the stack shares (breaker, retry, timeout,
 * concurrency limiter, rate limiter, hedging), after cockatiel's `IPolicy`. Policies compose
 * with `wrap(outer, …, inner)`; none inherits from another.
 */
export interface PolicyContext {
  /** Aborted when the caller gives up or an outer policy (timeout) cancels this attempt. */
  readonly signal: AbortSignal;
  /** 0 for the first try; retries count up. */
  readonly attempt: number;
}

export interface Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

// Shared with the policies, which skip abort bookkeeping on a signal that can never abort.
const neverAborted = neverAbortedSignal;

/**
 * Composes policies: `wrap(retry, breaker, timeout)` runs retry outermost, timeout innermost.
 * An inner policy only knows its own attempts, so attempts add up on the way in: a hedge (attempt 1)
 * inside the third retry (attempt 2) reaches `fn` as attempt 3, and a breaker (always 0) leaves the
 * retry's count intact. The innermost signal wins; each policy derives it from the outer one.
 */
export function wrap(...policies: Policy[]): Policy {
  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAborted): Promise<T> {
      const run = (index: number, ctx: PolicyContext): Promise<T> => {
        const policy = policies[index];
        if (!policy) return fn(ctx);
        return policy.execute(
          (inner) => run(index + 1, { ...ctx, ...inner, attempt: ctx.attempt + inner.attempt }),
          ctx.signal,
        );
      };
      return run(0, { signal, attempt: 0 });
    },
  };
}
