import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';

export const aimdLimitFactorOptionsSchema = z
  .object({
    /**
     * Upstream error rate (5xx and failures / requests) above which a window counts as degraded.
     * @default 0.05
     */
    targetErrorRate: z.number().min(0).max(1).default(0.05),
    /**
     * Mean upstream latency above which a window counts as degraded, in ms; off when absent.
     * @example 250
     */
    latencyThresholdMs: z.number().positive().optional(),
    /**
     * Length of one observation window, in ms.
     * @default 1000
     */
    intervalMs: z.number().positive().default(1000),
    /**
     * Fewest samples for a window to be judged; a quieter window changes nothing.
     * @default 10
     */
    minSamples: z.number().int().min(1).default(10),
    /**
     * Multiplicative decrease: a degraded window multiplies the factor by this.
     * @default 0.5
     */
    decrease: z.number().gt(0).lt(1).default(0.5),
    /**
     * Additive increase: a healthy window adds this to the factor (share of the configured limit).
     * @default 0.1
     */
    increase: z.number().gt(0).max(1).default(0.1),
    /**
     * The factor never drops below this.
     * @default 0.05
     */
    minFactor: z.number().gt(0).max(1).default(0.05),
  })
  .strict();
export type AimdLimitFactorOptions = z.input<typeof aimdLimitFactorOptionsSchema>;

/** A multiplier of the configured limit in (0, 1], moved by upstream health. */
export interface LimitFactor {
  readonly factor: number;
  /** One upstream outcome: `ok` false for a 5xx or a failure, with its latency in ms. */
  record(sample: { ok: boolean; latencyMs: number }): void;
}

export interface FactorChange {
  readonly from: number;
  readonly to: number;
  readonly errorRate: number;
  readonly meanLatencyMs: number;
  readonly samples: number;
}

/**
 * Additive-increase / multiplicative-decrease of the effective rate limit, as TCP congestion
 * avoidance (RFC 5681 §3.1) and Netflix concurrency-limits' AIMDLimit: each `intervalMs` window
 * with at least `minSamples` upstream outcomes is judged; a degraded one (error rate above
 * target, or mean latency above threshold) multiplies the factor by `decrease`, a healthy one
 * adds `increase`, clamped to [minFactor, 1]. Driven by samples and the clock, no timers.
 */
export class AimdLimitFactor implements LimitFactor {
  private readonly changes = new EventEmitter<FactorChange>();
  /** The factor was judged (emitted on every judged window, changed or not). */
  readonly onFactorChange: Event<FactorChange> = this.changes.addListener;
  private readonly o: z.output<typeof aimdLimitFactorOptionsSchema>;
  private current = 1;
  private windowStart: number;
  private requests = 0;
  private errors = 0;
  private latencySum = 0;

  constructor(
    options: AimdLimitFactorOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.o = aimdLimitFactorOptionsSchema.parse(options);
    this.windowStart = clock.now();
  }

  get factor(): number {
    return this.current;
  }

  record(sample: { ok: boolean; latencyMs: number }): void {
    const now = this.clock.now();
    if (now - this.windowStart >= this.o.intervalMs) this.judge(now);
    this.requests++;
    if (!sample.ok) this.errors++;
    this.latencySum += sample.latencyMs;
  }

  private judge(now: number): void {
    const { requests, errors, latencySum } = this;
    this.windowStart = now;
    this.requests = 0;
    this.errors = 0;
    this.latencySum = 0;
    if (requests < this.o.minSamples) return;
    const errorRate = errors / requests;
    const meanLatencyMs = latencySum / requests;
    const degraded =
      errorRate > this.o.targetErrorRate ||
      (this.o.latencyThresholdMs !== undefined && meanLatencyMs > this.o.latencyThresholdMs);
    const from = this.current;
    this.current = degraded
      ? Math.max(this.o.minFactor, from * this.o.decrease)
      : Math.min(1, from + this.o.increase);
    if (this.changes.hasListeners)
      this.changes.emit({ from, to: this.current, errorRate, meanLatencyMs, samples: requests });
  }
}
