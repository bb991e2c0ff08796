import { type Event, EventEmitter } from '../../common/event.js';
import type { SlowStartConfig } from './health-config.js';
import { type HostChangeReason, HostHealth, type HostStateChange } from './host-health.js';
import { slowStartFactor } from './slow-start.js';

export interface HostSetOptions {
  slowStart: SlowStartConfig;
  /**
   * Below this share of usable hosts (percent), balance over all hosts (Envoy's panic mode:
   * better to spread load over partly broken hosts than to crush the few left). 0 = never.
   */
  panicThresholdPercent: number;
  now?: () => number;
}

export interface PanicChange {
  readonly cluster: string;
  readonly panic: boolean;
  readonly at: number;
}

/**
 * The health of one cluster's hosts: the only writer of `HostHealth`, so that every status
 * change is emitted once, whoever caused it (active checks, outlier detection, a timer).
 */
export class HostSet {
  readonly hosts: readonly HostHealth[];
  private readonly byId = new Map<string, HostHealth>();
  private readonly changed = new EventEmitter<HostStateChange>();
  private readonly panicChanged = new EventEmitter<PanicChange>();
  private readonly now: () => number;
  private panic = false;

  readonly onHostStateChange: Event<HostStateChange> = this.changed.addListener;
  readonly onPanicChange: Event<PanicChange> = this.panicChanged.addListener;

  constructor(
    readonly cluster: string,
    hostIds: readonly string[],
    private readonly options: HostSetOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.hosts = hostIds.map((id) => new HostHealth(cluster, id));
    for (const h of this.hosts) this.byId.set(h.id, h);
  }

  get(id: string): HostHealth | undefined {
    return this.byId.get(id);
  }

  get ejectedCount(): number {
    let n = 0;
    for (const h of this.hosts) if (h.ejectedUntil !== undefined) n++;
    return n;
  }

  get inPanic(): boolean {
    return this.panic;
  }

  setActiveHealthy(host: HostHealth, healthy: boolean): void {
    if (host.activeHealthy === healthy) return;
    this.change(host, healthy ? 'active_check_passed' : 'active_check_failed', () => {
      host.activeHealthy = healthy;
    });
  }

  eject(host: HostHealth, until: number, reason: HostChangeReason): void {
    if (host.ejectedUntil !== undefined) return;
    this.change(host, reason, () => {
      host.ejectedUntil = until;
      host.timesEjected++;
    });
  }

  uneject(host: HostHealth, reason: HostChangeReason): void {
    if (host.ejectedUntil === undefined) return;
    this.change(host, reason, () => {
      host.ejectedUntil = undefined;
    });
  }

  /** The host's share of its configured weight now (slow start), in (0, 1]. */
  weightFactor(host: HostHealth): number {
    return slowStartFactor(this.options.slowStart, this.now() - host.healthySince);
  }

  /**
   * The items a balancer may pick from: healthy ones that `usable` accepts (e.g. breaker not
   * open), or all of them in panic mode. Panic depends on health alone (active checks and
   * ejections), so open breakers fail fast instead of pushing the cluster into panic.
   */
  select<T extends { readonly health: HostHealth }>(
    items: readonly T[],
    usable?: (item: T) => boolean,
  ): { hosts: T[]; panic: boolean } {
    if (this.panic) return { hosts: [...items], panic: true };
    const hosts = items.filter((i) => i.health.status === 'healthy' && (!usable || usable(i)));
    return { hosts, panic: false };
  }

  private updatePanic(at: number): void {
    const threshold = this.options.panicThresholdPercent;
    const total = this.hosts.length;
    let healthy = 0;
    for (const h of this.hosts) if (h.status === 'healthy') healthy++;
    const panic = threshold > 0 && total > 0 && (healthy / total) * 100 < threshold;
    if (panic === this.panic) return;
    this.panic = panic;
    this.panicChanged.emit({ cluster: this.cluster, panic, at });
  }

  private change(host: HostHealth, reason: HostChangeReason, apply: () => void): void {
    const from = host.status;
    apply();
    const to = host.status;
    if (from === to) return;
    const at = this.now();
    if (to === 'healthy') host.healthySince = at;
    this.changed.emit({
      cluster: this.cluster,
      host: host.id,
      from,
      to,
      reason,
      ...(host.ejectedUntil !== undefined ? { ejectedUntil: host.ejectedUntil } : {}),
      timesEjected: host.timesEjected,
      at,
    });
    this.updatePanic(at);
  }
}
