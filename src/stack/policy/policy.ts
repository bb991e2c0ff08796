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

const neverAborted = new AbortController().signal;

/** Composes policies: `wrap(retry, breaker, timeout)` runs retry outermost, timeout innermost. */
export function wrap(...policies: Policy[]): Policy {
  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAborted): Promise<T> {
      const run = (index: number, ctx: PolicyContext): Promise<T> => {
        const policy = policies[index];
        if (!policy) return fn(ctx);
        return policy.execute((inner) => run(index + 1, { ...ctx, ...inner }), ctx.signal);
      };
      return run(0, { signal, attempt: 0 });
    },
  };
}
