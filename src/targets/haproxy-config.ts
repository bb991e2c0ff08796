import type { ClusterConfig, GatewayConfig, RouteConfig } from '../stack/gateway/gateway-config.js';

/** A generated load-balancer config and the settings it could not express. */
export interface GeneratedConfig {
  /** The config file's text. */
  text: string;
  /** One line per setting of the scenario's config left out, with why. */
  unsupported: string[];
}

const BALANCE: Record<ClusterConfig['balancer'], string> = {
  round_robin: 'roundrobin',
  weighted: 'roundrobin',
  least_request: 'leastconn',
};

/** `retry-on` keywords for the statuses HAProxy can retry on (2.x). */
const RETRYABLE_STATUSES = new Set([401, 403, 404, 408, 425, 500, 501, 502, 503, 504]);

const ms = (n: number) => `${Math.max(1, Math.round(n))}ms`;

/**
 * The HAProxy (2.x) config for a Faultline gateway config, listening on 127.0.0.1:`port`:
 * one backend per cluster, routes as `use_backend … if { path_beg … }`. Mapping (HAProxy's
 * configuration manual, sections 4 and 5):
 * - `timeouts.connectMs/perTryMs` → `timeout connect/server` (per try: a retry gets a new one);
 * - `retry.maxRetries/retryOn` → `retries`, `option redispatch 1` (every retry to another
 *   server) and `retry-on conn-failure empty-response response-timeout <statuses>`;
 * - `health.active` → `option httpchk GET <path>`, `check inter/fall/rise`, `timeout check`;
 * - `health.outlier` → `observe layer7 error-limit N on-error mark-down` (needs checks to come back);
 * - `slowStart.windowMs` → `slowstart`; `connections.maxPerHost/queueTimeoutMs` → `maxconn`,
 *   `timeout queue`;
 * - `rateLimit` (global or route) → a stick table with `http_req_rate` and `http-request deny 429`.
 * - `panicThreshold` → unchecked `backup` copies of every server with `option allbackups`
 *   (used only once every server is down).
 * Everything else (budgets, back-off, breakers, hedging, adaptive timeouts, cache, overall
 * deadlines) is listed in `unsupported`.
 */
export function haproxyConfig(config: GatewayConfig, port: number): GeneratedConfig {
  const unsupported: string[] = [];
  const gap = (setting: string, why: string) => unsupported.push(`${setting}: ${why}`);
  const routes = routesOf(config);

  const frontend = ['frontend entry', `  bind 127.0.0.1:${port}`, '  option forwardfor'];
  const rateLimits = [
    ...(config.rateLimit ? [{ where: 'rateLimit', limit: config.rateLimit, acl: '' }] : []),
    ...routes.flatMap((r, i) =>
      r.rateLimit ? [{ where: `routes[${i}].rateLimit`, limit: r.rateLimit, acl: pathMatch(r) }] : [],
    ),
  ];
  const tables: string[] = [];
  rateLimits.forEach(({ where, limit, acl }, i) => {
    const table = `rl_${i}`;
    const keyed =
      typeof limit.key === 'object'
        ? `req.hdr(${limit.key.header})`
        : limit.key === 'ip'
          ? 'src'
          : 'str(all)';
    tables.push(
      `backend ${table}`,
      `  stick-table type string len 64 size 100k expire ${ms(limit.windowMs * 2)} store http_req_rate(${ms(limit.windowMs)})`,
      '',
    );
    const max = Math.floor(limit.limit + (limit.burst ?? 0));
    frontend.push(`  http-request track-sc${i} ${keyed} table ${table}${acl ? ` if ${acl}` : ''}`);
    frontend.push(
      `  http-request deny deny_status 429 if { sc_http_req_rate(${i},${table}) gt ${max} }${acl ? ` ${acl}` : ''}`,
    );
    if (limit.algorithm !== 'gcra' || limit.store || limit.priority)
      gap(
        `${where}`,
        'HAProxy counts a sliding-window request rate (no GCRA/token bucket, Redis store or priority lane)',
      );
  });
  if (rateLimits.length > 3) gap('rateLimit', 'HAProxy tracks at most 3 stick counters by default');
  if (config.concurrency)
    gap('concurrency', 'a gateway-wide concurrency limit is not mapped (use the cluster maxconn)');

  routes.forEach((route, i) => {
    const where = `routes[${i}]`;
    if (route.timeouts) gap(`${where}.timeouts`, 'per-route timeouts are not mapped (the backend’s apply)');
    if (route.retry) gap(`${where}.retry`, 'per-route retries are not mapped (the backend’s apply)');
    if (route.breaker) gap(`${where}.breaker`, 'HAProxy has no circuit breaker');
    if (route.concurrency) gap(`${where}.concurrency`, 'per-route concurrency limits are not mapped');
    if (route.hedge) gap(`${where}.hedge`, 'HAProxy does not hedge requests');
    if (route.cache)
      gap(`${where}.cache`, 'response cache not mapped (HAProxy’s cache has no stale-if-error)');
    if (route.match.methods) gap(`${where}.match.methods`, 'method matching is not mapped');
    if (i < routes.length - 1 || route.match.pathPrefix !== '/') {
      frontend.push(`  use_backend ${backendName(route.cluster)} if ${pathMatch(route)}`);
    }
  });
  const fallback = routes.at(-1)?.cluster ?? Object.keys(config.clusters)[0];
  frontend.push(`  default_backend ${backendName(fallback ?? 'service')}`);

  const backends = Object.entries(config.clusters).flatMap(([name, cluster]) =>
    backendOf(name, cluster, (setting, why) => gap(`clusters.${name}.${setting}`, why)),
  );

  const text = [
    '# Generated by Faultline from the scenario’s gateway config; do not edit.',
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  timeout client 30s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 4s',
    '',
    ...frontend,
    '',
    ...tables,
    ...backends,
  ].join('\n');
  return { text: `${text}\n`, unsupported };
}

function backendName(cluster: string): string {
  return `be_${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function pathMatch(route: RouteConfig): string {
  return `{ path_beg ${route.match.pathPrefix} }`;
}

/** The routes of a config: its own, or everything to its only cluster. */
export function routesOf(config: GatewayConfig): RouteConfig[] {
  if (config.routes) return config.routes;
  const cluster = Object.keys(config.clusters)[0] ?? 'service';
  return [{ match: { pathPrefix: '/' }, cluster }];
}

function backendOf(
  name: string,
  cluster: ClusterConfig,
  gap: (setting: string, why: string) => void,
): string[] {
  const { timeouts, retry, health, slowStart, connections } = cluster;
  const lines = [`backend ${backendName(name)}`, `  balance ${BALANCE[cluster.balancer]}`];
  lines.push(`  timeout connect ${ms(timeouts.connectMs)}`);
  if (timeouts.adaptive) {
    lines.push(`  timeout server ${ms(timeouts.adaptive.ceilingMs ?? timeouts.perTryMs)}`);
    gap('timeouts.adaptive', 'HAProxy has no adaptive timeout (its ceiling is the fixed `timeout server`)');
  } else {
    lines.push(`  timeout server ${ms(Math.min(timeouts.perTryMs, timeouts.overallMs))}`);
  }
  gap('timeouts.overallMs', 'HAProxy has no deadline over all tries (each try gets `timeout server`)');
  lines.push(`  timeout queue ${ms(connections.queueTimeoutMs)}`);

  lines.push(`  retries ${retry.maxRetries}`);
  if (retry.maxRetries > 0) {
    const statuses = retry.retryOn.filter((s) => RETRYABLE_STATUSES.has(s));
    const dropped = retry.retryOn.filter((s) => !RETRYABLE_STATUSES.has(s));
    if (dropped.length > 0) gap('retry.retryOn', `HAProxy cannot retry on ${dropped.join(', ')}`);
    lines.push('  option redispatch 1');
    lines.push(`  retry-on conn-failure empty-response response-timeout ${statuses.join(' ')}`.trimEnd());
    if (retry.budget !== false) gap('retry.budget', 'HAProxy has no retry budget');
    if (retry.backoff) gap('retry.backoff', 'HAProxy retries without back-off');
  }

  const server: string[] = [];
  if (health.active) {
    const a = health.active;
    lines.push(`  option httpchk GET ${a.path}`);
    lines.push(
      a.expectedStatus
        ? `  http-check expect rstatus ^(${a.expectedStatus.join('|')})$`
        : '  http-check expect status 200',
    );
    lines.push(`  timeout check ${ms(a.timeoutMs)}`);
    server.push('check', `inter ${ms(a.intervalMs)}`, `fall ${a.fall}`, `rise ${a.rise}`);
  }
  if (health.outlier !== false) {
    const o = health.outlier;
    const limit = Math.min(...[o.consecutive5xx, o.consecutiveGatewayFailure].filter((n) => n > 0));
    if (!health.active) {
      gap('health.outlier', 'HAProxy’s `observe` needs active checks to bring a host back; not mapped');
    } else if (Number.isFinite(limit)) {
      server.push('observe layer7', `error-limit ${limit}`, 'on-error mark-down');
      gap(
        'health.outlier.baseEjectionMs/maxEjectionPercent',
        'HAProxy marks the host down until its checks pass again (no ejection time or cap)',
      );
    }
    if (o.successRate) gap('health.outlier.successRate', 'HAProxy has no success-rate outlier detection');
  }
  if (slowStart.windowMs > 0) {
    server.push(`slowstart ${ms(slowStart.windowMs)}`);
    if (slowStart.minWeightPercent !== 10)
      gap('slowStart.minWeightPercent', 'HAProxy’s slowstart ramps from its own minimum');
  }
  server.push(`maxconn ${connections.maxPerHost}`);
  if (cluster.breaker) gap('breaker', 'HAProxy has no circuit breaker (observe layer7 is the nearest)');
  if (cluster.hedge) gap('hedge', 'HAProxy does not hedge requests');
  // Panic mode, as near as HAProxy gets: unchecked backup copies of every server, all used
  // (`option allbackups`) once no active server is up, instead of 503 for everyone.
  const panic = cluster.panicThreshold > 0;
  if (panic) {
    lines.push('  option allbackups');
    gap(
      'panicThreshold',
      'HAProxy has no panic threshold: unchecked backup servers take over only when every server is down',
    );
  }
  cluster.hosts.forEach((host, i) => {
    const url = new URL(host.url);
    const weight = host.weight === 1 ? '' : ` weight ${Math.max(1, Math.round(host.weight))}`;
    lines.push(`  server s${i + 1} ${url.hostname}:${url.port || 80}${weight} ${server.join(' ')}`.trimEnd());
  });
  if (panic) {
    cluster.hosts.forEach((host, i) => {
      const url = new URL(host.url);
      lines.push(
        `  server s${i + 1}_panic ${url.hostname}:${url.port || 80} backup maxconn ${connections.maxPerHost}`,
      );
    });
  }
  lines.push('');
  return lines;
}
