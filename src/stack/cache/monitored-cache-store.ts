import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { circuitBreakerConfigSchema, createCircuitBreaker } from '../breaker/circuit-breaker-config.js';
import type { CircuitBreakerPolicy, CircuitState } from '../breaker/circuit-breaker-policy.js';
import { type CacheStore, isPingable } from './cache-store.js';

export const tierMonitorOptionsSchema = z
  .object({
    /**
     * When failing calls take the tier out, and how long it stays out before the monitor
     * probes it.
     * @default { strategy: { type: 'consecutive', threshold: 3 }, halfOpenAfter: 1000, halfOpenProbes: 2 }
     */
    breaker: circuitBreakerConfigSchema.default({
      strategy: { type: 'consecutive', threshold: 3 },
      halfOpenAfter: 1000,
      halfOpenProbes: 2,
    }),
    /**
     * The monitor pings the tier this often, in ms: in use, a failed ping counts like a failed
     * call; out, `halfOpenProbes` pings in a row that succeed re-admit it (HAProxy's
     * `inter`/`rise`). @default 250
     */
    checkIntervalMs: z.number().int().min(1).default(250),
  })
  .strict();
export type TierMonitorOptions = z.input<typeof tierMonitorOptionsSchema>;

export interface TierStateChange {
  readonly tier: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/**
 * A tier behind a circuit breaker (`src/stack/breaker`) with a health monitor. While the breaker
 * is closed, calls go through it and failures (errors, command timeouts) count, and so do the
 * monitor's pings every `checkIntervalMs`; when it opens the tier is bypassed: `get` answers
 * "absent" and writes are dropped, at once. Requests never probe a sick tier: once the open
 * period is over, the monitor's pings are the breaker's half-open probes, and their success
 * closes it: the tier is re-admitted.
 */
export class MonitoredCacheStore implements CacheStore {
  readonly name: string;
  readonly breaker: CircuitBreakerPolicy;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly errorEmitter = new EventEmitter<{ tier: string; error: unknown }>();
  private readonly stateEmitter = new EventEmitter<TierStateChange>();
  private probing = false;
  private errorCount = 0;

  /** A call to the tier failed (the breaker counted it). */
  readonly onError: Event<{ tier: string; error: unknown }> = this.errorEmitter.addListener;
  /** The tier was taken out (`open`), is being probed (`half-open`) or re-admitted (`closed`). */
  readonly onStateChange: Event<TierStateChange> = this.stateEmitter.addListener;

  constructor(
    readonly inner: CacheStore,
    options: TierMonitorOptions = {},
    clock?: Clock,
  ) {
    const o = tierMonitorOptionsSchema.parse(options);
    this.name = inner.name;
    this.breaker = createCircuitBreaker(o.breaker, clock ? { clock } : {});
    this.breaker.onStateChange(({ from, to }) => this.stateEmitter.emit({ tier: this.name, from, to }));
    // Pings start once the tier has connected (or failed to): a tier still connecting is not down.
    const begin = (): void => {
      if (this.closed) return;
      this.timer = setInterval(() => void this.check(), o.checkIntervalMs);
      this.timer.unref();
    };
    if (inner.ready) inner.ready().then(begin, begin);
    else begin();
  }

  /** `closed`: in use; `open`: bypassed; `half-open`: bypassed while the monitor probes. */
  get state(): CircuitState {
    return this.breaker.state;
  }

  /** Failed calls so far (errors and timeouts). */
  get errors(): number {
    return this.errorCount;
  }

  get(key: string): Promise<Buffer | undefined> {
    if (this.breaker.state !== 'closed') return Promise.resolve(undefined);
    return this.breaker.execute(() => this.inner.get(key)).catch((error) => this.failed(error, undefined));
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    if (this.breaker.state !== 'closed') return Promise.resolve();
    return this.breaker
      .execute(() => this.inner.set(key, value, ttlMs))
      .catch((e) => this.failed(e, undefined));
  }

  delete(key: string): Promise<void> {
    if (this.breaker.state !== 'closed') return Promise.resolve();
    return this.breaker.execute(() => this.inner.delete(key)).catch((e) => this.failed(e, undefined));
  }

  ready(): Promise<void> {
    return this.inner.ready?.() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.inner.close();
  }

  /**
   * One monitor tick. Closed: a health ping whose failure counts like a failed call (so an idle
   * tier, or one shadowed by a faster tier, is still seen to go down). Half-open: the probe whose
   * successes re-admit the tier. Open: nothing until the open period ends.
   */
  async check(): Promise<void> {
    if (this.probing || this.breaker.state === 'open') return;
    this.probing = true;
    try {
      const inner = this.inner;
      const probe = isPingable(inner)
        ? () => inner.ping()
        : () => inner.get('\u0000faultline-probe').then(() => {});
      await this.breaker.execute(probe);
    } catch {
      // Counted by the breaker; a failed probe re-opened it and the next period retries.
    } finally {
      this.probing = false;
    }
  }

  private failed<T>(error: unknown, fallback: T): T {
    this.errorCount++;
    this.errorEmitter.emit({ tier: this.name, error });
    return fallback;
  }
}
