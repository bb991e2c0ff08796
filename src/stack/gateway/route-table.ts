import type { HttpCache } from '../cache/http-cache.js';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import type { HedgePolicy } from '../hedge/hedge-policy.js';
import type { Policy } from '../policy/policy.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { AdaptiveTimeout } from '../timeout/adaptive-timeout.js';
import type { TimeoutsConfig } from './gateway-config.js';
import type { UpstreamCluster } from './upstream-cluster.js';

/** A route ready to serve: its match, its cluster, and its own composed policies. */
export interface Route {
  /** For metrics and logs: the configured name, else the path prefix. */
  readonly name: string;
  readonly pathPrefix: string;
  readonly methods: ReadonlySet<string> | undefined;
  readonly cluster: UpstreamCluster;
  readonly timeouts: TimeoutsConfig;
  /** When set, the per-try deadline follows observed latency (and `timeouts.perTryMs` is unused). */
  readonly adaptive: AdaptiveTimeout | undefined;
  /** The route's own concurrency limiter, for state and metrics (it is also part of `outer`). */
  readonly limiter: ConcurrencyLimiter | undefined;
  /** Statuses retried on another host. */
  readonly retryOn: ReadonlySet<number>;
  readonly retry: RetryPolicy;
  /** Hedging of idempotent requests, inside the retry policy. */
  readonly hedge: HedgePolicy | undefined;
  /** Admission around all tries (global, then route concurrency limits); may be empty. */
  readonly outer: Policy | undefined;
  /**
   * The route breaker, inside admission and around all tries. Kept apart from `outer` because
   * it must not see the overall timeout as "the caller gave up": a request cut by the overall
   * timeout is a route failure.
   */
  readonly breaker: Policy | undefined;
  /** The route's response cache, in front of everything else. */
  readonly cache: HttpCache | undefined;
}

/** First match wins: path prefix, then method. */
export class RouteTable {
  constructor(readonly routes: readonly Route[]) {}

  match(method: string, path: string): Route | undefined {
    for (const r of this.routes) {
      if (!path.startsWith(r.pathPrefix)) continue;
      if (r.methods && !r.methods.has(method)) continue;
      return r;
    }
    return undefined;
  }
}
