import { neverAbortedSignal } from '../../common/abort.js';

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
  /**
   * The request being served, when the caller passed one to a composed chain
   * (`wrap(…).execute(fn, signal, request)`): what a stage keyed on the request (a rate limiter's
   * client key, a cache key) reads. Stages that don't care ignore it.
   */
  readonly request?: RequestInfo;
}

/** What a request-aware stage may read of the request (the gateway fills it for every route). */
export interface RequestInfo {
  readonly method: string;
  /** Path and query as the client sent them. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's address, when known. */
  readonly remoteAddress?: string;
  /** The route serving it (a rate limit keyed by route reads it). */
  readonly route?: string;
  /**
   * Adds a header to the answer the client will get, if it is a success (e.g. the RateLimit
   * headers of an admitted request). Absent when the caller sends no HTTP answer.
   */
  readonly setResponseHeader?: (name: string, value: string) => void;
}

/**
 * `execute(fn, signal, request)`: runs `fn` under the policy. `request` is what the caller serves,
 * passed down a composed chain to every stage; a request-aware stage (a rate limit keyed by
 * client) reads it, every other policy ignores it.
 */
export interface Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal, request?: RequestInfo): Promise<T>;
}

/** A composed chain (`wrap`, `composeStages`): a Policy made of policies. */
export type Pipeline = Policy;

// Shared with the policies, which skip abort bookkeeping on a signal that can never abort.
const neverAborted = neverAbortedSignal;

/**
 * Composes policies: `wrap(retry, breaker, timeout)` runs retry outermost, timeout innermost.
 * An inner policy only knows its own attempts, so attempts add up on the way in: a hedge (attempt 1)
 * inside the third retry (attempt 2) reaches `fn` as attempt 3, and a breaker (always 0) leaves the
 * retry's count intact. The innermost signal wins; each policy derives it from the outer one. The
 * request (if given) reaches every stage and `fn` unchanged.
 */
export function wrap(...policies: Policy[]): Pipeline {
  return {
    execute<T>(
      fn: (ctx: PolicyContext) => Promise<T>,
      signal: AbortSignal = neverAborted,
      request?: RequestInfo,
    ): Promise<T> {
      const run = (index: number, ctx: PolicyContext): Promise<T> => {
        const policy = policies[index];
        if (!policy) return fn(ctx);
        return policy.execute(
          (inner) => run(index + 1, { ...ctx, ...inner, attempt: ctx.attempt + inner.attempt }),
          ctx.signal,
          ctx.request,
        );
      };
      return run(0, request ? { signal, attempt: 0, request } : { signal, attempt: 0 });
    },
  };
}
