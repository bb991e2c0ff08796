import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Disposable, Event } from '../../common/event.js';
import type {
  BreakerStateChange,
  HostStateChange,
  RequestCompleted,
  RequestShed,
  RetryScheduled,
} from '../gateway/gateway-events.js';
import type { GatewayState } from '../gateway/gateway-state.js';

/** What the metrics need from a gateway: its events and a state snapshot for the gauges. */
export interface GatewayMetricsSource {
  readonly onRequestCompleted: Event<RequestCompleted>;
  readonly onRetry: Event<RetryScheduled>;
  readonly onHedge: Event<RetryScheduled>;
  readonly onShed: Event<RequestShed>;
  readonly onHostStateChange: Event<HostStateChange>;
  readonly onBreakerStateChange: Event<BreakerStateChange>;
  state(): GatewayState;
}

const breakerValue: Record<string, number> = { closed: 0, open: 1, 'half-open': 2 };

/**
 * Prometheus metrics for one gateway, in a private Registry (two gateways in one process do not
 * collide). They only subscribe to the gateway's events and read its state on scrape, so the
 * proxy path never touches prom-client.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly subscriptions: Disposable[] = [];

  constructor(source: GatewayMetricsSource, options: { prefix?: string } = {}) {
    const p = options.prefix ?? 'faultline_gateway_';
    const registers = [this.registry];
    const requests = new Counter({
      name: `${p}requests_total`,
      help: 'Client requests answered, by route, cluster and status',
      labelNames: ['route', 'cluster', 'status'],
      registers,
    });
    const duration = new Histogram({
      name: `${p}request_duration_seconds`,
      help: 'Time from request to the end of the response, by route and cluster',
      labelNames: ['route', 'cluster'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const tries = new Counter({
      name: `${p}upstream_tries_total`,
      help: 'Tries sent to upstream hosts, retries included',
      labelNames: ['route', 'cluster'],
      registers,
    });
    const retries = new Counter({
      name: `${p}retries_total`,
      help: 'Retries scheduled',
      labelNames: ['route', 'cluster'],
      registers,
    });
    const hedges = new Counter({
      name: `${p}hedges_total`,
      help: 'Hedged tries started',
      labelNames: ['route', 'cluster'],
      registers,
    });
    const sheds = new Counter({
      name: `${p}sheds_total`,
      help: 'Requests turned away without reaching an upstream, by reason (error code)',
      labelNames: ['route', 'cluster', 'reason'],
      registers,
    });
    const ejections = new Counter({
      name: `${p}ejections_total`,
      help: 'Hosts ejected by outlier detection, by reason',
      labelNames: ['cluster', 'host', 'reason'],
      registers,
    });
    const hostChanges = new Counter({
      name: `${p}host_state_changes_total`,
      help: 'Host status changes, by new status and reason',
      labelNames: ['cluster', 'host', 'to', 'reason'],
      registers,
    });
    const breakerTransitions = new Counter({
      name: `${p}breaker_transitions_total`,
      help: 'Circuit breaker state changes',
      labelNames: ['scope', 'name', 'to'],
      registers,
    });
    new Gauge({
      name: `${p}healthy_hosts`,
      help: 'Hosts currently healthy (not ejected, passing active checks)',
      labelNames: ['cluster'],
      registers,
      collect() {
        for (const [name, c] of Object.entries(source.state().clusters))
          this.set({ cluster: name }, c.healthyHosts);
      },
    });
    new Gauge({
      name: `${p}panic`,
      help: '1 while the cluster is in panic mode (balancing over all hosts)',
      labelNames: ['cluster'],
      registers,
      collect() {
        for (const [name, c] of Object.entries(source.state().clusters))
          this.set({ cluster: name }, c.panic ? 1 : 0);
      },
    });
    new Gauge({
      name: `${p}breaker_state`,
      help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open',
      labelNames: ['scope', 'name'],
      registers,
      collect() {
        const s = source.state();
        for (const c of Object.values(s.clusters)) {
          for (const h of c.hosts)
            if (h.breaker) this.set({ scope: 'host', name: h.url }, breakerValue[h.breaker] ?? -1);
        }
        for (const r of s.routes)
          if (r.breaker) this.set({ scope: 'route', name: r.name }, breakerValue[r.breaker] ?? -1);
      },
    });
    new Gauge({
      name: `${p}concurrency_limit`,
      help: 'Current concurrency limit (fixed or adaptive) of the gateway-wide and route limiters',
      labelNames: ['scope', 'name'],
      registers,
      collect() {
        const s = source.state();
        if (s.concurrency) this.set({ scope: 'gateway', name: '*' }, s.concurrency.limit);
        for (const r of s.routes)
          if (r.concurrency) this.set({ scope: 'route', name: r.name }, r.concurrency.limit);
      },
    });
    new Gauge({
      name: `${p}per_try_timeout_seconds`,
      help: 'Per-try deadline the next try of a route gets (adaptive or fixed)',
      labelNames: ['route'],
      registers,
      collect() {
        for (const r of source.state().routes) this.set({ route: r.name }, r.perTryTimeoutMs / 1000);
      },
    });
    new Gauge({
      name: `${p}active_requests`,
      help: 'Requests in flight per upstream host',
      labelNames: ['cluster', 'host'],
      registers,
      collect() {
        for (const [name, c] of Object.entries(source.state().clusters)) {
          for (const h of c.hosts) this.set({ cluster: name, host: h.url }, h.activeRequests);
        }
      },
    });

    // The route caches count for themselves; their counters are read on scrape.
    const cacheCounters: [string, string][] = [
      ['hits', 'hit'],
      ['staleWhileRevalidate', 'stale-while-revalidate'],
      ['staleIfError', 'stale-if-error'],
      ['misses', 'miss'],
      ['bypasses', 'bypass'],
    ];
    new Counter({
      name: `${p}cache_requests_total`,
      help: 'Requests on cached routes, by how the cache answered (hit, stale-*, miss, bypass)',
      labelNames: ['route', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const r of source.state().routes) {
          if (!r.cache) continue;
          for (const [stat, outcome] of cacheCounters)
            this.inc({ route: r.name, outcome }, r.cache.stats[stat] ?? 0);
        }
      },
    });
    new Counter({
      name: `${p}cache_integrity_failures_total`,
      help: 'Cache entries that failed validation (HMAC, key, size, format): discarded, refetched, never served',
      labelNames: ['route'],
      registers,
      collect() {
        this.reset();
        for (const r of source.state().routes)
          if (r.cache) this.inc({ route: r.name }, r.cache.stats.integrityFailures ?? 0);
      },
    });
    new Gauge({
      name: `${p}cache_tier_up`,
      help: '1 while a cache tier is in use, 0 while its monitor bypasses it',
      labelNames: ['route', 'tier'],
      registers,
      collect() {
        for (const r of source.state().routes)
          for (const t of r.cache?.tiers ?? [])
            this.set({ route: r.name, tier: t.name }, t.state === 'closed' ? 1 : 0);
      },
    });

    const perRoute = new Map<
      string,
      {
        duration: ReturnType<typeof duration.labels>;
        tries: ReturnType<typeof tries.labels>;
        byStatus: Map<number, ReturnType<typeof requests.labels>>;
      }
    >();
    this.subscriptions.push(
      source.onRequestCompleted((e) => {
        // Label children are cached: this runs once per request.
        const key = `${e.route}\u0000${e.cluster}`;
        let route = perRoute.get(key);
        if (!route) {
          route = {
            duration: duration.labels(e.route, e.cluster),
            tries: tries.labels(e.route, e.cluster),
            byStatus: new Map(),
          };
          perRoute.set(key, route);
        }
        let counter = route.byStatus.get(e.status);
        if (!counter) {
          counter = requests.labels(e.route, e.cluster, String(e.status));
          route.byStatus.set(e.status, counter);
        }
        counter.inc();
        route.duration.observe(e.durationMs / 1000);
        if (e.attempts > 0) route.tries.inc(e.attempts);
      }),
      source.onRetry((e) => retries.inc({ route: e.route, cluster: e.cluster })),
      source.onHedge((e) => hedges.inc({ route: e.route, cluster: e.cluster })),
      source.onShed((e) => sheds.inc({ route: e.route, cluster: e.cluster, reason: e.reason })),
      source.onHostStateChange((e) => {
        hostChanges.inc({ cluster: e.cluster, host: e.host, to: e.to, reason: e.reason });
        if (e.to === 'ejected') ejections.inc({ cluster: e.cluster, host: e.host, reason: e.reason });
      }),
      source.onBreakerStateChange((e) => breakerTransitions.inc({ scope: e.scope, name: e.name, to: e.to })),
    );
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.registry.clear();
  }
}
