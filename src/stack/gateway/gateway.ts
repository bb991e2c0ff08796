import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { settlesWithin } from '../../common/async.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { checkRequestHead, controlAccess, createHttpListener } from '../../common/http/index.js';
import { freshSeed, SeededRandom } from '../../common/rng.js';
import type { HttpCache } from '../cache/http-cache.js';
import { MonitoredCacheStore } from '../cache/monitored-cache-store.js';
import { createConcurrencyLimiter } from '../concurrency/concurrency-config.js';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { HttpRateLimit } from '../ratelimit/http-rate-limit.js';
import { WebSocketGateway } from '../websocket/websocket-gateway.js';
import { createAdminServer } from './admin-server.js';
import { buildClusters, buildRoutes } from './build-routes.js';
import type { GatewayConfig, GatewayConfigInput } from './gateway-config.js';
import { GatewayDrainingError, GatewayListenError } from './gateway-errors.js';
import type {
  BreakerStateChange,
  HostStateChange,
  PanicChange,
  RequestCompleted,
  RequestShed,
  RetryScheduled,
} from './gateway-events.js';
import type { GatewayState } from './gateway-state.js';
import { loadGatewayConfig, parseGatewayConfig } from './load-gateway-config.js';
import { logGatewayEvents } from './log-gateway-events.js';
import { ProxyHandler } from './proxy-handler.js';
import { RouteTable } from './route-table.js';
import { TrustedProxies } from './trusted-proxies.js';
import type { UpstreamCluster } from './upstream-cluster.js';

export interface GatewayOptions {
  /** State changes (hosts, panic, breakers) at info/warn, requests at debug; silent without. */
  logger?: Logger;
  /** Overrides `listen.port` (the CLI's --port). */
  port?: number;
  /** Overrides `admin.port`. */
  adminPort?: number;
}

export interface CloseOptions {
  /**
   * Stop accepting, let in-flight requests finish (up to `timeoutMs`), then close. Without it,
   * every connection is closed at once.
   * @default true
   */
  drain?: boolean;
  /** @default config.drain.timeoutMs */
  timeoutMs?: number;
}

/**
 * A running gateway: an HTTP/1.1 reverse proxy on `url`, its admin API on `adminUrl`.
 * Build one with `startGateway()`.
 */
export class Gateway {
  readonly config: GatewayConfig;
  readonly clusters: ReadonlyMap<string, UpstreamCluster>;
  readonly routes: RouteTable;
  readonly metrics: GatewayMetrics;

  private readonly completed = new EventEmitter<RequestCompleted>();
  private readonly retried = new EventEmitter<RetryScheduled>();
  private readonly hedged = new EventEmitter<RetryScheduled>();
  private readonly shed = new EventEmitter<RequestShed>();
  private readonly hostChanged = new EventEmitter<HostStateChange>();
  private readonly panicChanged = new EventEmitter<PanicChange>();
  private readonly breakerChanged = new EventEmitter<BreakerStateChange>();

  readonly onRequestCompleted: Event<RequestCompleted> = this.completed.addListener;
  readonly onRetry: Event<RetryScheduled> = this.retried.addListener;
  /** A hedged try was started (same shape as a retry: attempt 1 = the first hedge). */
  readonly onHedge: Event<RetryScheduled> = this.hedged.addListener;
  readonly onShed: Event<RequestShed> = this.shed.addListener;
  /** Every host status change of every cluster (ejections, checks, re-admissions). */
  readonly onHostStateChange: Event<HostStateChange> = this.hostChanged.addListener;
  readonly onPanicChange: Event<PanicChange> = this.panicChanged.addListener;
  readonly onBreakerStateChange: Event<BreakerStateChange> = this.breakerChanged.addListener;

  private readonly handler: ProxyHandler;
  private readonly server: http.Server;
  private readonly admin: http.Server;
  private readonly globalLimiter: ConcurrencyLimiter | undefined;
  private readonly globalRateLimit: HttpRateLimit | undefined;
  /** WebSocket upgrades (the `websocket` key), or undefined. */
  readonly websocket: WebSocketGateway | undefined;
  private draining = false;
  private closing: Promise<void> | undefined;
  private listenPort = 0;
  private adminListenPort = 0;

  constructor(config: GatewayConfig) {
    // First, before anything starts: off loopback without a token, refuse (exit 2).
    const adminToken = controlAccess({
      what: 'the gateway admin API',
      host: config.admin.host,
      token: config.admin.token,
      configKey: 'admin.token',
    });
    this.config = config;
    const random = new SeededRandom(config.seed ?? freshSeed());
    const emitters = {
      retried: this.retried,
      hedged: this.hedged,
      hostChanged: this.hostChanged,
      panicChanged: this.panicChanged,
      breakerChanged: this.breakerChanged,
    };
    this.clusters = buildClusters(config, random, emitters);
    this.globalLimiter = config.concurrency
      ? createConcurrencyLimiter(config.concurrency, { random: random.fork('concurrency') })
      : undefined;
    this.globalRateLimit = config.rateLimit
      ? new HttpRateLimit(config.rateLimit, { name: 'global' })
      : undefined;
    this.routes = new RouteTable(
      buildRoutes(config, this.clusters, random, emitters, this.globalLimiter, this.globalRateLimit),
    );
    this.handler = new ProxyHandler({
      routes: this.routes,
      maxReplayBodyBytes: config.maxReplayBodyBytes,
      isDraining: () => this.draining,
      completed: this.completed,
      shed: this.shed,
      limits: config.limits,
      trustedProxies: new TrustedProxies(config.trustedProxies),
    });
    this.feedAdaptiveRateLimits();
    this.server = createHttpListener(this.handler.handle, {
      limits: config.limits,
      keepAliveTimeoutMs: 5000,
      // Requests llhttp refused (400/431/413) and heads or bodies too slow (408) count as answers.
      onClientError: ({ status, code }) => {
        if (status === 0) return;
        this.completed.emit({
          route: '(none)',
          cluster: '(none)',
          method: '(unparsed)',
          status,
          durationMs: 0,
          attempts: 0,
          requestId: '',
          code,
        });
      },
    });
    const ws = config.websocket;
    if (ws) {
      const cluster = this.clusters.get(
        ws.cluster ?? (Object.keys(config.clusters)[0] as string),
      ) as UpstreamCluster;
      const websocket = new WebSocketGateway({ config: ws, upstreams: cluster });
      this.websocket = websocket;
      this.server.on('upgrade', (req, socket, head) => {
        const refusal = checkRequestHead(req, config.limits);
        if (refusal !== undefined) {
          const body = JSON.stringify({
            error: refusal.message,
            code: refusal.code,
            status: refusal.httpStatus,
          });
          socket.end(
            `HTTP/1.1 ${refusal.httpStatus} ${http.STATUS_CODES[refusal.httpStatus]}\r\nConnection: close\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        } else if (websocket.matches(req.url)) websocket.handleUpgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
    }
    this.metrics = new GatewayMetrics(this);
    this.admin = createAdminServer({
      state: () => this.state(),
      config: () => redactedConfig(this.config),
      metrics: () => this.metrics.text(),
      isDraining: () => this.draining,
      token: adminToken,
    });
  }

  /** The gateway-wide rate limit and every route's, where configured. */
  private rateLimits(): (HttpRateLimit | undefined)[] {
    return [this.globalRateLimit, ...this.routes.routes.map((r) => r.rateLimit)];
  }

  /** Upstream outcomes of each route feed its (and the gateway-wide) adaptive rate limit. */
  private feedAdaptiveRateLimits(): void {
    const byRoute = new Map<string, HttpRateLimit[]>();
    for (const r of this.routes.routes) {
      const limits = [this.globalRateLimit, r.rateLimit].filter(
        (l): l is HttpRateLimit => l?.config.adaptive !== undefined,
      );
      if (limits.length > 0) byRoute.set(r.name, limits);
    }
    if (byRoute.size === 0) return;
    this.completed.addListener((e) => {
      const limits = byRoute.get(e.route);
      // Only answers that involved the upstream: not the gateway's own refusals or a client gone.
      if (!limits || (e.code !== undefined && notUpstreamOutcome.has(e.code))) return;
      for (const l of limits) l.record({ ok: e.status < 500, latencyMs: e.durationMs });
    });
  }

  get port(): number {
    return this.listenPort;
  }

  get adminPort(): number {
    return this.adminListenPort;
  }

  get url(): string {
    return `http://${hostForUrl(this.config.listen.host)}:${this.listenPort}`;
  }

  get adminUrl(): string {
    return `http://${hostForUrl(this.config.admin.host)}:${this.adminListenPort}`;
  }

  /** Binds both ports and starts health checking. */
  async listen(options: GatewayOptions = {}): Promise<void> {
    for (const c of this.clusters.values()) c.start();
    // Shared rate-limit stores connect first (bounded; a store still away starts in its failure mode).
    await Promise.all(this.rateLimits().map((l) => l?.ready()));
    // Shared cache tiers connect first (best effort: one that cannot is bypassed by its monitor).
    await Promise.all(this.caches().map((c) => c.ready()));
    await this.websocket?.start();
    this.listenPort = await listenOn(
      this.server,
      this.config.listen.host,
      options.port ?? this.config.listen.port,
      'traffic',
    );
    this.adminListenPort = await listenOn(
      this.admin,
      this.config.admin.host,
      options.adminPort ?? this.config.admin.port,
      'the admin API',
    );
  }

  state(): GatewayState {
    const clusters: Record<string, GatewayState['clusters'][string]> = {};
    for (const [name, c] of this.clusters) {
      clusters[name] = {
        balancer: c.config.balancer,
        panic: c.hostSet.inPanic,
        healthyHosts: c.hosts.filter((h) => h.health.status === 'healthy').length,
        hosts: c.hosts.map((h) => ({
          url: h.origin,
          status: h.health.status,
          activeHealthy: h.health.activeHealthy,
          ejected: h.health.ejectedUntil !== undefined,
          ejectedUntil:
            h.health.ejectedUntil === undefined ? null : new Date(h.health.ejectedUntil).toISOString(),
          timesEjected: h.health.timesEjected,
          weight: h.configuredWeight,
          effectiveWeight: h.weight,
          activeRequests: h.activeRequests,
          connections: { max: h.slots.max, inUse: h.slots.inUse, queued: h.slots.queued },
          breaker: h.breaker?.state ?? null,
        })),
      };
    }
    return {
      pid: process.pid,
      port: this.listenPort,
      adminPort: this.adminListenPort,
      draining: this.draining,
      activeRequests: this.handler.activeRequests,
      clusters,
      routes: this.routes.routes.map((r) => ({
        name: r.name,
        pathPrefix: r.pathPrefix,
        cluster: r.cluster.name,
        breaker: r.policies.breaker?.state ?? null,
        concurrency: r.policies.limiter?.snapshot() ?? null,
        rateLimit: r.rateLimit?.limiter.snapshot() ?? null,
        perTryTimeoutMs: r.adaptive ? r.adaptive.timeoutMs : r.timeouts.perTryMs,
        cache: r.cache
          ? {
              stats: { ...r.cache.stats },
              tiers: r.cache.stores.map((s) => ({
                name: s.name,
                state: s instanceof MonitoredCacheStore ? s.state : 'closed',
              })),
            }
          : null,
      })),
      concurrency: this.globalLimiter?.snapshot() ?? null,
      rateLimit: this.globalRateLimit?.limiter.snapshot() ?? null,
      websocket: this.websocket?.stats() ?? null,
    };
  }

  private caches(): HttpCache[] {
    return this.routes.routes.flatMap((r) => (r.cache ? [r.cache] : []));
  }

  /**
   * Graceful by default: stop accepting, answer in-flight requests (with Connection: close),
   * wait up to the drain timeout, then close every connection, the pools and the admin API.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  private async shutdown(options: CloseOptions): Promise<void> {
    const drain = options.drain ?? true;
    const timeoutMs = options.timeoutMs ?? this.config.drain.timeoutMs;
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // WebSocket clients get 1001 at once (their sessions stay resumable on another instance).
    const wsClosed = this.websocket?.close();
    let graceful = false;
    if (drain) {
      graceful = await settlesWithin(this.handler.idle(), timeoutMs);
      if (!graceful) {
        // Out of time: answer what has not started answering with 503, cut the rest.
        this.handler.abortAll(new GatewayDrainingError());
        await settlesWithin(this.handler.idle(), 100);
      }
    } else {
      this.handler.abortAll(new GatewayDrainingError());
    }
    this.server.closeAllConnections();
    await wsClosed;
    await closed;
    // pool.close() waits for requests still queued on a pool; after a forced drain, don't wait.
    await Promise.all([...this.clusters.values()].map((c) => (graceful ? c.close() : c.destroy())));
    await Promise.all(this.caches().map((c) => c.close()));
    this.admin.closeAllConnections();
    await new Promise<void>((resolve) => this.admin.close(() => resolve()));
    this.metrics.dispose();
    await Promise.all(this.rateLimits().map((l) => l?.close()));
  }
}

/** Codes of answers the upstream had no part in: they say nothing about its health. */
const notUpstreamOutcome = new Set([
  'FL_RATE_LIMITED',
  'FL_RATELIMIT_UNAVAILABLE',
  'FL_SHED',
  'FL_GW_CLIENT_ABORTED',
  'FL_GW_DRAINING',
  'FL_GW_NO_ROUTE',
  'FL_GW_BAD_TARGET',
]);

/** The effective config as GET /admin/config shows it: the admin token is not shown. */
function redactedConfig(config: GatewayConfig): GatewayConfig {
  if (config.admin.token === undefined) return config;
  return { ...config, admin: { ...config.admin, token: '[redacted]' } };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listenOn(server: http.Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new GatewayListenError(what, host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts a gateway from a config object (validated; errors name the key) or a YAML/JSON file
 * path, and resolves once both its ports listen.
 */
export async function startGateway(
  config: GatewayConfigInput | string,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const parsed = typeof config === 'string' ? await loadGatewayConfig(config) : parseGatewayConfig(config);
  const gateway = new Gateway(parsed);
  if (options.logger) logGatewayEvents(gateway, options.logger);
  try {
    await gateway.listen(options);
  } catch (err) {
    await gateway.close({ drain: false });
    throw err;
  }
  return gateway;
}
