import { z } from 'zod';
import { neverAbortedSignal } from '../../common/abort.js';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { policyChannels } from '../policy/diagnostics.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { LatencyWindow, latencyWindowOptionsSchema } from './latency-window.js';
import { runWithTimeout } from './run-with-timeout.js';
import type { TimeoutError } from './timeout-error.js';

export const adaptiveTimeoutOptionsSchema = z
  .object({
    /**
     * Latency quantile the deadline is derived from.
     * @default 0.99
     */
    percentile: z.number().gt(0).max(1).default(0.99),
    /**
     * Deadline = quantile × factor (headroom above the slowest normal answers).
     * @default 1.5
     */
    factor: z.number().min(1).default(1.5),
    /**
     * The deadline never drops below this, in ms (protects against a burst of cache hits).
     * @default 50
     */
    floorMs: z.number().positive().default(50),
    /**
     * The deadline never exceeds this, in ms; also the deadline until minSamples are seen.
     * @default 10000
     */
    ceilingMs: z.number().positive().max(2_147_483_647).default(10_000),
    /**
     * Tries to record (successes and timeouts) before adapting.
     * @default 50
     */
    minSamples: z.number().int().min(1).default(50),
    /** The latency window (ring of recent try latencies). */
    window: latencyWindowOptionsSchema.default({ size: 1024, recomputeEvery: 32 }),
  })
  .refine((o) => o.ceilingMs >= o.floorMs, { message: 'ceilingMs must be >= floorMs', path: ['ceilingMs'] });
export type AdaptiveTimeoutOptions = z.input<typeof adaptiveTimeoutOptionsSchema>;

/** Runtime hooks a config file cannot express. */
export interface AdaptiveTimeoutHooks {
  clock?: Clock;
  /**
   * Read latencies from this window instead of a private one (e.g. shared with a HedgePolicy).
   * The policy still records its own successful tries into it unless `record` is false.
   */
  latency?: LatencyWindow;
  /** @default true */
  record?: boolean;
}

/**
 * A per-try deadline that follows the upstream: clamp(p99 of recent successful tries × factor,
 * floor, ceiling). Until `minSamples` tries are recorded it uses the ceiling. A timed-out try is
 * recorded at its deadline (all we know is "at least that long"): without it, a step in latency
 * beyond p99 × factor would time out every try and never be learned. So repeated timeouts walk the
 * deadline up by `factor` per window-quantile, never past the ceiling; a hanging upstream is the
 * circuit breaker's job. Tries that fail fast with other errors are not recorded.
 */
export class AdaptiveTimeout implements Policy {
  private readonly timeoutEmitter = new EventEmitter<TimeoutError>();
  /** A call hit the deadline. */
  readonly onTimeout: Event<TimeoutError> = this.timeoutEmitter.addListener;
  readonly latency: LatencyWindow;
  private readonly o: z.output<typeof adaptiveTimeoutOptionsSchema>;
  private readonly clock: Clock;
  private readonly record: boolean;

  constructor(options: AdaptiveTimeoutOptions = {}, hooks: AdaptiveTimeoutHooks = {}) {
    this.o = adaptiveTimeoutOptionsSchema.parse(options);
    this.clock = hooks.clock ?? systemClock;
    this.latency = hooks.latency ?? new LatencyWindow(this.o.window);
    this.record = hooks.record ?? true;
  }

  /** The deadline the next try gets, in ms. */
  get timeoutMs(): number {
    const { floorMs, ceilingMs, minSamples, percentile, factor } = this.o;
    if (this.latency.recorded < minSamples) return ceilingMs;
    const q = this.latency.quantile(percentile) ?? ceilingMs;
    return Math.min(ceilingMs, Math.max(floorMs, q * factor));
  }

  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    const timeoutMs = this.timeoutMs;
    const onTimeout = (error: TimeoutError): void => {
      if (this.record) this.latency.record(timeoutMs);
      this.timeoutEmitter.emit(error);
      if (policyChannels.timeout.hasSubscribers) policyChannels.timeout.publish({ policy: this, error });
    };
    if (!this.record) return runWithTimeout(fn, signal, timeoutMs, 'per-try', onTimeout);
    const start = this.clock.now();
    return runWithTimeout(fn, signal, timeoutMs, 'per-try', onTimeout).then((value) => {
      this.latency.record(this.clock.now() - start);
      return value;
    });
  }
}
