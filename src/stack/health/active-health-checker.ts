import http from 'node:http';
import { type Event, EventEmitter } from '../../common/event.js';
import type { ActiveHealthCheckConfig } from './health-config.js';
import type { HostHealth } from './host-health.js';
import type { HostSet } from './host-set.js';

export interface CheckResult {
  readonly cluster: string;
  readonly host: string;
  readonly passed: boolean;
  /** The status the host answered, when it answered. */
  readonly status?: number;
  /** Why the check failed without a status (refused, reset, timeout). */
  readonly error?: string;
}

interface CheckTarget {
  readonly health: HostHealth;
  /** e.g. http://127.0.0.1:8081 */
  readonly origin: string;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  inFlight?: AbortController;
}

/**
 * Active HTTP checks, one loop per host: GET `path` on a fresh connection (as HAProxy does, so
 * a dead listener is seen at once), pass on an expected status within the timeout. `fall`
 * failures in a row take a host out, `rise` passes bring it back, and any pass re-admits a host
 * that outlier detection ejected (Envoy's `successful_active_health_check_uneject_host`).
 */
export class ActiveHealthChecker {
  private readonly targets: CheckTarget[];
  private readonly results = new EventEmitter<CheckResult>();
  private running = false;

  readonly onCheckResult: Event<CheckResult> = this.results.addListener;

  constructor(
    private readonly hostSet: HostSet,
    private readonly config: ActiveHealthCheckConfig,
    origins: ReadonlyMap<HostHealth, string>,
  ) {
    this.targets = [...origins].map(([health, origin]) => ({ health, origin, successes: 0, failures: 0 }));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const t of this.targets) void this.loop(t);
  }

  stop(): void {
    this.running = false;
    for (const t of this.targets) {
      if (t.timer) clearTimeout(t.timer);
      t.inFlight?.abort();
    }
  }

  private async loop(target: CheckTarget): Promise<void> {
    if (!this.running) return;
    const result = await this.check(target);
    if (!this.running) return;
    this.apply(target, result);
    target.timer = setTimeout(() => void this.loop(target), this.config.intervalMs);
    target.timer.unref();
  }

  private apply(target: CheckTarget, result: CheckResult): void {
    const { health } = target;
    if (result.passed) {
      target.successes++;
      target.failures = 0;
      if (!health.activeHealthy && target.successes >= this.config.rise) {
        this.hostSet.setActiveHealthy(health, true);
      }
      this.hostSet.uneject(health, 'active_check_passed');
    } else {
      target.failures++;
      target.successes = 0;
      if (health.activeHealthy && target.failures >= this.config.fall) {
        this.hostSet.setActiveHealthy(health, false);
      }
    }
    this.results.emit(result);
  }

  private check(target: CheckTarget): Promise<CheckResult> {
    const base = { cluster: target.health.cluster, host: target.health.id };
    const controller = new AbortController();
    target.inFlight = controller;
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const done = (r: CheckResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        done({ ...base, passed: false, error: 'timeout' });
        controller.abort();
      }, this.config.timeoutMs);
      const req = http.get(
        new URL(this.config.path, target.origin),
        { agent: false, signal: controller.signal, headers: { 'user-agent': 'faultline-health-check' } },
        (res) => {
          const status = res.statusCode ?? 0;
          const expected = this.config.expectedStatus;
          const passed = expected ? expected.includes(status) : status >= 200 && status < 300;
          done({ ...base, passed, status });
          // The status is all a check needs; a one-shot connection must not stay open on a body
          // that never ends.
          res.destroy();
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled) done({ ...base, passed: false, error: err.code ?? err.message });
      });
    });
  }
}
