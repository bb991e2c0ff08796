import { isFaultlineError } from '../../common/errors.js';
import type { EventEmitter } from '../../common/event.js';
import type { SeededRandom } from '../../common/rng.js';
import { createCircuitBreaker } from '../breaker/circuit-breaker-config.js';
import { createHttpCache } from '../cache/cache-config.js';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import type { Outcome } from '../policy/outcome.js';
import { wrap } from '../policy/policy.js';
import { createRoutePolicies } from '../policy/route-policies.js';
import type { Stage } from '../policy/stages.js';
import { HttpRateLimit } from '../ratelimit/http-rate-limit.js';
import type { RetryBudget } from '../retry/retry-budget.js';
import { createRetryBudget } from '../retry/retry-config.js';
import { AdaptiveTimeout } from '../timeout/adaptive-timeout.js';
import type { GatewayConfig, RouteConfig } from './gateway-config.js';
import { isGatewayFailure } from './gateway-errors.js';
import type { BreakerStateChange, HostStateChange, PanicChange, RetryScheduled } from './gateway-events.js';
import { isMarkedRetryable } from './proxy-handler.js';
import type { Route } from './route-table.js';
import type { UpstreamResponse } from './send-to-host.js';
import { UpstreamCluster } from './upstream-cluster.js';

/** The gateway's event emitters that the built clusters and routes report to. */
export interface GatewayEmitters {
  readonly retried: EventEmitter<RetryScheduled>;
  readonly hedged: EventEmitter<RetryScheduled>;
  readonly hostChanged: EventEmitter<HostStateChange>;
  readonly panicChanged: EventEmitter<PanicChange>;
  readonly breakerChanged: EventEmitter<BreakerStateChange>;
}

/** A failure of an upstream as a host breaker sees it: a gateway failure or a 5xx answer. */
function upstreamFailed(outcome: Outcome): boolean {
  if (!outcome.ok) return isGatewayFailure(outcome.error);
  return (outcome.value as UpstreamResponse).statusCode >= 500;
}

/**
 * A route breaker counts every 5xx the route ends with because its upstreams failed or were out
 * of time: an upstream 5xx, 502/504 of the last try, the overall timeout (504, a TimeoutError,
 * which the breaker counts although it aborted the request), no healthy host and pool
 * exhaustion (503). Its own open-circuit 503s and the limiters' sheds never reach it (they are
 * decided before it runs or outside it); a client gone or a drain is an abort that is not a
 * deadline, so the breaker does not count it.
 */
function routeFailed(outcome: Outcome): boolean {
  if (!outcome.ok) {
    const err = outcome.error;
    return (
      isGatewayFailure(err) ||
      (isFaultlineError(err) && err.httpStatus >= 500 && err.code !== 'FL_GW_DRAINING')
    );
  }
  return (outcome.value as UpstreamResponse).statusCode >= 500;
}

/** One UpstreamCluster per configured cluster, each host with its breaker when configured. */
export function buildClusters(
  config: GatewayConfig,
  random: SeededRandom,
  emit: GatewayEmitters,
): Map<string, UpstreamCluster> {
  const clusters = new Map<string, UpstreamCluster>();
  for (const [name, c] of Object.entries(config.clusters)) {
    const breakerConfig = c.breaker;
    const cluster = new UpstreamCluster(name, c, {
      random: random.fork(`balancer:${name}`),
      ...(breakerConfig
        ? {
            createHostBreaker: (origin: string) => {
              const b = createCircuitBreaker(breakerConfig, { isFailure: upstreamFailed });
              b.onStateChange(({ from, to }) =>
                emit.breakerChanged.emit({ scope: 'host', name: origin, cluster: name, from, to }),
              );
              return b;
            },
          }
        : {}),
    });
    cluster.hostSet.onHostStateChange((e) => emit.hostChanged.emit(e));
    cluster.hostSet.onPanicChange((e) => emit.panicChanged.emit(e));
    clusters.set(name, cluster);
  }
  return clusters;
}

/**
 * Every route of the config, each built through `createRoutePolicies` (the one composition the
 * library offers) from its cluster's policy config with the route's overrides; the gateway-wide
 * limiter joins each chain as its `global-concurrency` stage, the gateway-wide rate limit then
 * the route's as its `rate-limit` stage, and one retry budget per cluster is shared by every
 * route to it (as Envoy's is per cluster).
 */
export function buildRoutes(
  config: GatewayConfig,
  clusters: ReadonlyMap<string, UpstreamCluster>,
  random: SeededRandom,
  emit: GatewayEmitters,
  globalLimiter: ConcurrencyLimiter | undefined,
  globalRateLimit?: HttpRateLimit,
): Route[] {
  const budgets = new Map<string, RetryBudget | undefined>();
  const budgetOf = (cluster: UpstreamCluster): RetryBudget | undefined => {
    if (!budgets.has(cluster.name)) budgets.set(cluster.name, createRetryBudget(cluster.config.retry.budget));
    return budgets.get(cluster.name);
  };
  const shared: Stage[] = globalLimiter ? [{ name: 'global-concurrency', policy: globalLimiter }] : [];
  const routeConfigs: RouteConfig[] = config.routes ?? [
    { match: { pathPrefix: '/' }, cluster: Object.keys(config.clusters)[0] as string },
  ];
  return routeConfigs.map((rc) => {
    const cluster = clusters.get(rc.cluster) as UpstreamCluster;
    const name = rc.name ?? rc.match.pathPrefix;
    const timeouts = withOverrides(cluster.config.timeouts, rc.timeouts);
    const retry = withOverrides(cluster.config.retry, rc.retry);
    const hedge = rc.hedge ?? cluster.config.hedge;
    const rateLimit = rc.rateLimit ? new HttpRateLimit(rc.rateLimit, { name }) : undefined;
    const limits = [globalRateLimit, rateLimit].filter((l): l is HttpRateLimit => l !== undefined);
    const stages: Stage[] =
      limits.length === 0
        ? shared
        : [
            ...shared,
            {
              name: 'rate-limit',
              policy: limits.length === 1 ? (limits[0] as HttpRateLimit) : wrap(...limits),
            },
          ];
    const policies = createRoutePolicies(
      {
        timeouts,
        retry,
        ...(rc.concurrency ? { concurrency: rc.concurrency } : {}),
        ...(rc.breaker ? { breaker: rc.breaker } : {}),
        ...(hedge ? { hedge } : {}),
      },
      {
        random: random.fork(`route:${name}`),
        shouldRetry: isMarkedRetryable,
        isFailure: routeFailed,
        retryBudget: budgetOf(cluster),
        stages,
        deadlines: 'caller',
      },
    );
    policies.retry.onRetry(({ attempt, delayMs }) =>
      emit.retried.emit({ route: name, cluster: rc.cluster, attempt, delayMs }),
    );
    policies.hedge?.onHedge(({ attempt, delayMs }) =>
      emit.hedged.emit({ route: name, cluster: rc.cluster, attempt, delayMs }),
    );
    policies.breaker?.onStateChange(({ from, to }) =>
      emit.breakerChanged.emit({ scope: 'route', name, cluster: rc.cluster, from, to }),
    );
    const perTry = policies.timeouts.perTry;
    return {
      name,
      pathPrefix: rc.match.pathPrefix,
      methods: rc.match.methods ? new Set(rc.match.methods) : undefined,
      cluster,
      timeouts,
      retryOn: new Set(retry.retryOn),
      policies,
      admission: policies.outside('cache'),
      idempotentChain: policies.without('rate-limit'),
      unsafeChain: policies.without('rate-limit', 'hedge'),
      adaptive: perTry instanceof AdaptiveTimeout ? perTry : undefined,
      rateLimit,
      cache: rc.cache ? createHttpCache(rc.cache) : undefined,
    };
  });
}

/** `base` with the keys `overrides` sets (undefined values don't count). */
function withOverrides<T extends object>(base: T, overrides: Partial<T> | undefined): T {
  if (!overrides) return base;
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
