import type { HttpCache } from '../cache/http-cache.js';
import type { Pipeline } from '../policy/policy.js';
import type { RoutePolicies } from '../policy/route-policies.js';
import type { HttpRateLimit } from '../ratelimit/http-rate-limit.js';
import type { AdaptiveTimeout } from '../timeout/adaptive-timeout.js';
import type { TimeoutsConfig } from '../timeout/timeouts-config.js';
import type { UpstreamCluster } from './upstream-cluster.js';

/** A route ready to serve: its match, its cluster, and its policies. */
export interface Route {
  /** For metrics and logs: the configured name, else the path prefix. */
  readonly name: string;
  readonly pathPrefix: string;
  readonly methods: ReadonlySet<string> | undefined;
  readonly cluster: UpstreamCluster;
  /** The cluster's timeouts with the route's overrides. */
  readonly timeouts: TimeoutsConfig;
  /** Statuses retried on another host. */
  readonly retryOn: ReadonlySet<number>;
  /**
   * Built by `createRoutePolicies` with the deadlines left to the proxy handler: the overall one
   * also covers the body and the answer, the per-try one starts once a connection is held.
   */
  readonly policies: RoutePolicies;
  /**
   * The stages before the cache (`policies.outside('cache')`: the rate limits), run once per
   * request around the cache and the chain; undefined when the route has none.
   */
  readonly admission: Pipeline | undefined;
  /** The chain for a request that may be sent twice: every stage after the cache. */
  readonly idempotentChain: Pipeline;
  /**
   * The chain for any other request: no hedge (and nothing before the cache); the retry stage stays, because a try the host's
   * breaker refused never reached the host and may go elsewhere whatever the method.
   */
  readonly unsafeChain: Pipeline;
  /** When set, the per-try deadline follows observed latency (and `timeouts.perTryMs` is unused). */
  readonly adaptive: AdaptiveTimeout | undefined;
  /** The route's own rate limit (also in `admission`, after the gateway-wide one): for its state and adaptive feed. */
  readonly rateLimit: HttpRateLimit | undefined;
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
