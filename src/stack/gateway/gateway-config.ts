import { isIP } from 'node:net';
import { z } from 'zod';
import { httpLimitsSchema } from '../../common/http/index.js';
import { balancerNames } from '../balancer/create-balancer.js';
import { circuitBreakerConfigSchema } from '../breaker/circuit-breaker-config.js';
import { cacheConfigSchema } from '../cache/cache-config.js';
import { concurrencyConfigSchema } from '../concurrency/concurrency-config.js';
import { activeHealthCheckSchema, outlierDetectionSchema, slowStartSchema } from '../health/health-config.js';
import { hedgePolicyOptionsSchema } from '../hedge/hedge-policy.js';
import { rateLimitConfigSchema } from '../ratelimit/rate-limit-config.js';
import { retryConfigSchema, retryOverrideSchema } from '../retry/retry-config.js';
import { timeoutsConfigSchema, timeoutsOverrideSchema } from '../timeout/timeouts-config.js';
import { websocketConfigSchema } from '../websocket/websocket-config.js';

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** An upstream is an origin: requests keep their own path, so a base path would be silently lost. */
const httpUrl = z
  .string({ error: 'expected URL' })
  .refine(
    (v) => {
      const u = parseUrl(v);
      return u !== undefined && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    },
    { error: 'expected URL (http://host:port)' },
  )
  .refine(
    (v) => {
      const u = parseUrl(v);
      return u === undefined || ((u.pathname === '/' || u.pathname === '') && !u.search && !u.hash);
    },
    { error: 'expected an origin without a path (http://host:port)' },
  );

const port = z.number({ error: 'expected a port number' }).int().min(0).max(65535);

export const listenSchema = z
  .object({
    /** @default "127.0.0.1" */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port; the real one is announced. @default 0 */
    port: port.default(0),
  })
  .strict();

/**
 * The admin listener: like `listen`, plus the bearer token every admin request must carry.
 * Off loopback the token is required (from here or FAULTLINE_TOKEN), else the gateway refuses to start.
 */
export const adminSchema = listenSchema.extend({
  /**
   * Secret of at least 16 characters; wins over FAULTLINE_TOKEN. Shown as "[redacted]" by
   * GET /admin/config.
   * @example "6f1c…(a long random string)"
   */
  token: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
});

/** An IPv4/IPv6 address, or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
const addressOrCidr = z.string().refine(
  (v) => {
    const [address, prefix, ...rest] = v.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    const n = Number(prefix);
    return /^\d{1,3}$/.test(prefix) && n <= (family === 4 ? 32 : 128);
  },
  { error: 'expected an IP address or a CIDR block (10.0.0.0/8)' },
);

export const hostSchema = z
  .object({
    /** @example "http://127.0.0.1:8081" */
    url: httpUrl,
    /** Relative share of traffic (weighted and least_request balancers). @default 1 */
    weight: z.number().positive().default(1),
  })
  .strict();

export const connectionsSchema = z
  .object({
    /** Cap on connections (and so requests in flight) per upstream host. @default 64 */
    maxPerHost: z.number().int().min(1).default(64),
    /**
     * A request waits at most this long for a free connection to its host before it is shed
     * with 503 + Retry-After, in ms. @default 1000
     */
    queueTimeoutMs: z.number().int().min(0).default(1000),
    /** Idle keep-alive connections are closed after this long, in ms. @default 4000 */
    keepAliveTimeoutMs: z.number().int().min(1).default(4000),
    /** Retry-After (seconds) sent with a pool-exhaustion 503. @default 1 */
    retryAfterSeconds: z.number().int().min(0).default(1),
  })
  .strict();
export type ConnectionsConfig = z.infer<typeof connectionsSchema>;

export const clusterSchema = z
  .object({
    hosts: z
      .array(hostSchema)
      .min(1, { error: 'expected at least one host' })
      .superRefine((hosts, ctx) => {
        const seen = new Set<string>();
        hosts.forEach((h, i) => {
          const origin = parseUrl(h.url)?.origin;
          if (origin === undefined) return;
          if (seen.has(origin))
            ctx.addIssue({ code: 'custom', path: [i, 'url'], message: `duplicate host ${origin}` });
          seen.add(origin);
        });
      }),
    /** @default "round_robin" */
    balancer: z.enum(balancerNames).default('round_robin'),
    health: z
      .object({
        /** Active HTTP checks; off when absent. */
        active: activeHealthCheckSchema.optional(),
        /** Passive outlier detection; on with Envoy's defaults unless `false`. */
        outlier: z
          .union([outlierDetectionSchema, z.literal(false)])
          .default(outlierDetectionSchema.parse({})),
      })
      .strict()
      .default({ outlier: outlierDetectionSchema.parse({}) }),
    slowStart: slowStartSchema.default(slowStartSchema.parse({})),
    /**
     * Panic mode: when fewer than this percent of hosts are usable, balance over all hosts.
     * 0 turns it off. @default 50
     */
    panicThreshold: z.number().min(0).max(100).default(50),
    /** Connect, per-try (fixed or adaptive) and overall deadlines (`timeoutsConfigSchema`). */
    timeouts: timeoutsConfigSchema.default(timeoutsConfigSchema.parse({})),
    connections: connectionsSchema.default(connectionsSchema.parse({})),
    /**
     * Retries and their budget (`retryConfigSchema`); one budget per cluster, shared by every
     * route to it.
     */
    retry: retryConfigSchema.default(retryConfigSchema.parse({})),
    /**
     * A circuit breaker per host of the cluster: a host whose circuit is open is not picked,
     * and a failing try goes to another host. Off when absent.
     * @example { strategy: { type: "consecutive", threshold: 5 }, halfOpenAfter: 10000 }
     */
    breaker: circuitBreakerConfigSchema.optional(),
    /**
     * Hedged requests: an idempotent request still unanswered after the observed p95 (or
     * `delayMs`) is sent to another host as well; the first answer wins. Off when absent.
     * @example { percentile: 0.95, minSamples: 20, budget: { ratio: 0.05, burst: 3 } }
     */
    hedge: hedgePolicyOptionsSchema.optional(),
  })
  .strict();
export type ClusterConfig = z.infer<typeof clusterSchema>;

const methodName = z
  .string()
  .regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method' })
  .transform((m) => m.toUpperCase());

export const routeSchema = z
  .object({
    match: z
      .object({
        /** @default "/" */
        pathPrefix: z.string().startsWith('/', { error: 'expected a path starting with /' }).default('/'),
        /** Only these methods match; all when absent. */
        methods: z.array(methodName).min(1).optional(),
      })
      .strict()
      .default({ pathPrefix: '/' }),
    /** For metrics and logs. @default the path prefix */
    name: z.string().min(1).optional(),
    /** Name of a key of `clusters`. */
    cluster: z.string().min(1),
    /** Overrides of the cluster's timeouts for this route. */
    timeouts: timeoutsOverrideSchema.optional(),
    /** Overrides of the cluster's retry settings for this route. */
    retry: retryOverrideSchema.optional(),
    /** A circuit breaker around the whole route (all tries): open → 503 at once. Off when absent. */
    breaker: circuitBreakerConfigSchema.optional(),
    /**
     * A concurrency limit for this route (fixed or adaptive) with a bounded queue; beyond it,
     * 503 + Retry-After at once. Off when absent.
     * @example { limit: { type: "adaptive", minLimit: 4, maxLimit: 256 }, maxQueue: 50, queueTimeoutMs: 200 }
     */
    concurrency: concurrencyConfigSchema.optional(),
    /** Hedging for this route, overriding the cluster's. */
    hedge: hedgePolicyOptionsSchema.optional(),
    /**
     * A rate limit for this route (per IP, header, route or global; memory or Redis store):
     * beyond it, 429 + Retry-After + RateLimit headers. Off when absent. See docs/ratelimit.md.
     * @example { limit: 100, windowMs: 1000, key: "ip" }
     */
    rateLimit: rateLimitConfigSchema.optional(),
    /**
     * An HTTP response cache in front of this route (docs/cache.md): memory and optional Redis
     * tiers, HMAC-checked entries, stale-if-error. Off when absent; `{}` is a memory cache.
     * @example { redis: { db: 15, keyPrefix: "gw:cache:" }, integrity: { key: "a shared secret of 16+" } }
     */
    cache: cacheConfigSchema.optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeSchema>;

export const gatewayConfigSchema = z
  .object({
    listen: listenSchema.default({ host: '127.0.0.1', port: 0 }),
    /**
     * The admin API (/admin/upstreams, /admin/config, /metrics, /healthz) on its own port, and
     * only there: the traffic listener never serves it. Loopback by default; elsewhere it needs
     * a token (`admin.token` or FAULTLINE_TOKEN).
     */
    admin: adminSchema.default({ host: '127.0.0.1', port: 0 }),
    /**
     * Limits of the traffic listener: header size and count (431), URL length (414), body size
     * (413), slow headers and slow bodies (408). See docs/gateway.md "Limits".
     * @default { maxHeaderBytes: 16384, maxHeaders: 100, maxUrlBytes: 8192, maxBodyBytes: 10485760, headersTimeoutMs: 10000, requestTimeoutMs: 60000 }
     */
    limits: httpLimitsSchema.default(httpLimitsSchema.parse({})),
    /**
     * Peers whose X-Forwarded-For/-Proto/-Host are kept (extended): addresses or CIDR blocks of
     * the proxies in front of the gateway. From anyone else those headers (and Forwarded) are
     * replaced with what the connection says. @default []
     * @example ["10.0.0.0/8", "::1"]
     */
    trustedProxies: z.array(addressOrCidr).default([]),
    clusters: z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a cluster name of [A-Za-z0-9_.-]' }),
        clusterSchema,
      )
      .refine((c) => Object.keys(c).length > 0, { error: 'expected at least one cluster' }),
    /**
     * First match wins. Default: with a single cluster, everything goes to it.
     * @example [{ match: { pathPrefix: "/api" }, cluster: "api" }]
     */
    routes: z.array(routeSchema).optional(),
    /** A concurrency limit over all routes together (applied before the route's own). Off when absent. */
    concurrency: concurrencyConfigSchema.optional(),
    /** A rate limit over all routes (checked before the route's own). Off when absent. See docs/ratelimit.md. */
    rateLimit: rateLimitConfigSchema.optional(),
    drain: z
      .object({
        /** SIGTERM / close({drain}): in-flight requests get this long to finish, in ms. @default 10000 */
        timeoutMs: z.number().int().min(0).default(10_000),
      })
      .strict()
      .default({ timeoutMs: 10_000 }),
    /**
     * Request bodies up to this size are buffered so that a retry can replay them; larger or
     * unsized bodies are streamed and never retried. @default 65536
     */
    maxReplayBodyBytes: z.number().int().min(0).default(65_536),
    /** Seed for the balancers' random draws (least_request), so runs replay. */
    seed: z.number().int().optional(),
    /**
     * WebSocket upgrades: proxied to a cluster's hosts, with sessions, limits and heartbeats (see
     * docs/websocket.md). Off when absent (upgrades are refused).
     */
    websocket: websocketConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = Object.keys(config.clusters);
    if (!config.routes && names.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes'],
        message: 'required when there is more than one cluster',
      });
    }
    const wsCluster = config.websocket?.cluster;
    if (wsCluster !== undefined && !names.includes(wsCluster)) {
      ctx.addIssue({
        code: 'custom',
        path: ['websocket', 'cluster'],
        message: `unknown cluster "${wsCluster}" (known: ${names.join(', ')})`,
      });
    }
    config.routes?.forEach((route, i) => {
      if (!names.includes(route.cluster)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'cluster'],
          message: `unknown cluster "${route.cluster}" (known: ${names.join(', ')})`,
        });
      }
    });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
/** What a config file or `startGateway()` may say: defaults filled in by the schema. */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
