import type { HostStatus } from '../health/host-health.js';
import type { RateLimiterSnapshot } from '../ratelimit/rate-limiter.js';
import type { WebSocketStats } from '../websocket/websocket-gateway.js';

/** One upstream host as GET /admin/upstreams shows it. */
export interface UpstreamHostState {
  readonly url: string;
  readonly status: HostStatus;
  /** Verdict of the active checks (true when there are none). */
  readonly activeHealthy: boolean;
  readonly ejected: boolean;
  /** ISO time the ejection ends, or null. */
  readonly ejectedUntil: string | null;
  readonly timesEjected: number;
  readonly weight: number;
  /** Weight the balancer uses now (slow start applied). */
  readonly effectiveWeight: number;
  readonly activeRequests: number;
  readonly connections: { readonly max: number; readonly inUse: number; readonly queued: number };
  /** closed / open / half-open, or null without a breaker. */
  readonly breaker: string | null;
}

export interface ClusterState {
  readonly balancer: string;
  readonly panic: boolean;
  readonly healthyHosts: number;
  readonly hosts: readonly UpstreamHostState[];
}

export interface RouteState {
  readonly name: string;
  readonly pathPrefix: string;
  readonly cluster: string;
  readonly breaker: string | null;
  /** The route's concurrency limiter, or null without one. */
  readonly concurrency: ConcurrencySnapshot | null;
  /** The route's rate limiter (effective limit, store up, counts), or null without one. */
  readonly rateLimit: RateLimiterSnapshot | null;
  /** The per-try deadline the next try gets (adaptive or fixed), in ms. */
  readonly perTryTimeoutMs: number;
  /** The route's response cache: counters and tiers, or null without one. */
  readonly cache: RouteCacheState | null;
}

export interface RouteCacheState {
  readonly stats: Readonly<Record<string, number>>;
  /** Each tier, fastest first; `state` is its breaker's (`closed` = in use) or `closed` without one. */
  readonly tiers: readonly { readonly name: string; readonly state: string }[];
}

export interface ConcurrencySnapshot {
  readonly limit: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly shed: number;
}

export interface GatewayState {
  /** The process serving this answer: with `--workers N`, each worker has its own state. */
  readonly pid: number;
  readonly port: number;
  readonly adminPort: number;
  readonly draining: boolean;
  readonly activeRequests: number;
  readonly clusters: Readonly<Record<string, ClusterState>>;
  readonly routes: readonly RouteState[];
  /** The gateway-wide concurrency limiter, or null without one. */
  readonly concurrency: ConcurrencySnapshot | null;
  /** The gateway-wide rate limiter, or null without one. */
  readonly rateLimit: RateLimiterSnapshot | null;
  /** The WebSocket gateway's counters, or null without a `websocket` key. */
  readonly websocket: WebSocketStats | null;
}
