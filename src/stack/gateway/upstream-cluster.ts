import type { RandomSource } from '../../common/rng.js';
import type { Balancer } from '../balancer/balancer.js';
import { createBalancer } from '../balancer/create-balancer.js';
import { ActiveHealthChecker } from '../health/active-health-checker.js';
import type { HostHealth } from '../health/host-health.js';
import { HostSet } from '../health/host-set.js';
import { OutlierDetector, type RequestOutcome } from '../health/outlier-detector.js';
import type { ClusterConfig } from './gateway-config.js';
import { type StatefulBreaker, UpstreamHost } from './upstream-host.js';

export interface UpstreamClusterOptions {
  random: RandomSource;
  /** Builds one host's breaker; none when the cluster has no breaker config. */
  createHostBreaker?: (origin: string) => StatefulBreaker;
}

/**
 * A named set of upstream hosts with its balancer and health machinery. It picks hosts; it does
 * not send requests (that is `sendToHost`) nor decide retries (that is the proxy handler).
 */
export class UpstreamCluster {
  readonly hosts: readonly UpstreamHost[];
  readonly hostSet: HostSet;
  readonly outlier: OutlierDetector | undefined;
  readonly checker: ActiveHealthChecker | undefined;
  private readonly balancer: Balancer;

  constructor(
    readonly name: string,
    readonly config: ClusterConfig,
    options: UpstreamClusterOptions,
  ) {
    const origins = config.hosts.map((h) => new URL(h.url).origin);
    this.hostSet = new HostSet(name, origins, {
      slowStart: config.slowStart,
      panicThresholdPercent: config.panicThreshold,
    });
    this.hosts = config.hosts.map((h, i) => {
      const origin = origins[i] as string;
      return new UpstreamHost(
        origin,
        h.weight,
        this.hostSet.hosts[i] as HostHealth,
        this.hostSet,
        config.connections,
        config.timeouts,
        options.createHostBreaker?.(origin),
      );
    });
    this.balancer = createBalancer(config.balancer, options.random);
    const outlier = config.health.outlier;
    this.outlier = outlier === false ? undefined : new OutlierDetector(this.hostSet, outlier);
    const active = config.health.active;
    this.checker = active
      ? new ActiveHealthChecker(this.hostSet, active, new Map(this.hosts.map((h) => [h.health, h.origin])))
      : undefined;
  }

  start(): void {
    this.outlier?.start();
    this.checker?.start();
  }

  /**
   * A host for the next try, never one in `exclude` (hosts already tried by this request).
   * Undefined when no eligible host is left.
   */
  pick(exclude?: ReadonlySet<UpstreamHost>): UpstreamHost | undefined {
    const { hosts } = this.hostSet.select(this.hosts, (h) => h.breakerAllows);
    let candidates = exclude && exclude.size > 0 ? hosts.filter((h) => !exclude.has(h)) : hosts;
    // A host whose connections are all busy would make the request queue (and maybe be shed)
    // while another has room: prefer hosts with a free connection when there are any.
    if (candidates.some((h) => h.slots.inUse >= h.slots.max)) {
      const free = candidates.filter((h) => h.slots.inUse < h.slots.max);
      if (free.length > 0) candidates = free;
    }
    return this.balancer.pick(candidates);
  }

  /** Whether some eligible host is not in `exclude` (no balancer state is touched). */
  hasEligibleHost(exclude: ReadonlySet<UpstreamHost>): boolean {
    const { hosts } = this.hostSet.select(this.hosts, (h) => h.breakerAllows);
    return hosts.some((h) => !exclude.has(h));
  }

  /** Whether some eligible host not in `exclude` has a free connection slot right now. */
  hasFreeHost(exclude: ReadonlySet<UpstreamHost>): boolean {
    const { hosts } = this.hostSet.select(this.hosts, (h) => h.breakerAllows);
    return hosts.some((h) => !exclude.has(h) && h.slots.inUse < h.slots.max);
  }

  record(host: UpstreamHost, outcome: RequestOutcome): void {
    this.outlier?.record(host.health, outcome);
  }

  get activeRequests(): number {
    let n = 0;
    for (const h of this.hosts) n += h.activeRequests;
    return n;
  }

  async close(): Promise<void> {
    this.outlier?.stop();
    this.checker?.stop();
    await Promise.all(this.hosts.map((h) => h.pool.close().catch(() => h.pool.destroy())));
  }

  /** Force-closes every connection (drain timed out). */
  async destroy(): Promise<void> {
    this.outlier?.stop();
    this.checker?.stop();
    await Promise.all(this.hosts.map((h) => h.pool.destroy().catch(() => {})));
  }
}
