import type { OutlierDetectionConfig } from './health-config.js';
import type { HostChangeReason, HostHealth } from './host-health.js';
import type { HostSet } from './host-set.js';

/**
 * How one request to a host ended, as passive detection sees it: an HTTP 5xx from the host,
 * a gateway failure (connect error, reset, timeout: no response at all), or anything else.
 */
export type RequestOutcome = 'success' | 'http_5xx' | 'gateway_failure';

interface HostCounters {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  requests: number;
  successes: number;
}

/**
 * Passive outlier detection after Envoy's: ejects a host on consecutive 5xx, consecutive
 * gateway failures, or a success rate below mean − k·σ of its peers; ejection lasts
 * base × times ejected (capped), and never takes out more than the allowed share of hosts
 * (though one host may always go).
 */
export class OutlierDetector {
  private readonly counters = new Map<HostHealth, HostCounters>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private interval: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly hostSet: HostSet,
    private readonly config: OutlierDetectionConfig,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    for (const h of hostSet.hosts) {
      this.counters.set(h, { consecutive5xx: 0, consecutiveGatewayFailure: 0, requests: 0, successes: 0 });
    }
  }

  start(): void {
    if (this.interval) return;
    this.interval = setInterval(() => this.evaluateInterval(), this.config.intervalMs);
    this.interval.unref();
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  record(host: HostHealth, outcome: RequestOutcome): void {
    const c = this.counters.get(host);
    if (!c) return;
    c.requests++;
    if (outcome === 'success') {
      c.successes++;
      c.consecutive5xx = 0;
      c.consecutiveGatewayFailure = 0;
      return;
    }
    // A gateway failure is answered as a 502/504, so it counts toward consecutive 5xx as well.
    c.consecutive5xx++;
    if (outcome === 'gateway_failure') c.consecutiveGatewayFailure++;
    const { consecutive5xx, consecutiveGatewayFailure } = this.config;
    if (consecutiveGatewayFailure > 0 && c.consecutiveGatewayFailure >= consecutiveGatewayFailure) {
      this.tryEject(host, 'consecutive_gateway_failure');
    } else if (consecutive5xx > 0 && c.consecutive5xx >= consecutive5xx) {
      this.tryEject(host, 'consecutive_5xx');
    }
  }

  /** The longest ejection allowed for the n-th ejection (n ≥ 1). */
  ejectionMs(n: number): number {
    const { baseEjectionMs, maxEjectionMs } = this.config;
    return Math.min(baseEjectionMs * n, Math.max(baseEjectionMs, maxEjectionMs));
  }

  /** Runs once per interval: success-rate ejection, then times-ejected decay for hosts that behaved. */
  evaluateInterval(): void {
    const sr = this.config.successRate;
    if (sr) {
      const judged = [...this.counters].filter(([h, c]) => c.requests >= sr.minRequests && !h.ejectedUntil);
      if (judged.length >= sr.minHosts) {
        const rates = judged.map(([, c]) => c.successes / c.requests);
        const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
        const sd = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length);
        const threshold = mean - sr.stdevFactor * sd;
        judged.forEach(([host], i) => {
          if ((rates[i] as number) < threshold) this.tryEject(host, 'success_rate');
        });
      }
    }
    for (const [host, c] of this.counters) {
      c.requests = 0;
      c.successes = 0;
      if (host.ejectedUntil === undefined && host.timesEjected > 0) host.timesEjected--;
    }
  }

  private tryEject(host: HostHealth, reason: HostChangeReason): void {
    if (host.ejectedUntil !== undefined) return;
    const total = this.hostSet.hosts.length;
    const allowed = Math.max(1, Math.floor((total * this.config.maxEjectionPercent) / 100));
    if (this.hostSet.ejectedCount >= allowed) return;
    const c = this.counters.get(host);
    if (c) {
      c.consecutive5xx = 0;
      c.consecutiveGatewayFailure = 0;
    }
    const until = this.now() + this.ejectionMs(host.timesEjected + 1);
    this.hostSet.eject(host, until, reason);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // An active check may have re-admitted the host (and it may be ejected again since).
      if (host.ejectedUntil === until) this.hostSet.uneject(host, 'ejection_expired');
    }, until - this.now());
    timer.unref();
    this.timers.add(timer);
  }
}
