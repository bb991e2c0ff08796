import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { type RandomSource, toRandomFn } from '../../common/rng.js';
import { policyChannels } from '../policy/diagnostics.js';
import { LatencyWindow } from '../timeout/latency-window.js';
import type { LimitSample, LimitSource } from './limit-source.js';

export const adaptiveConcurrencyLimitOptionsSchema = z
  .object({
    /**
     * Limit to start from (once the first minRTT is known).
     * @default 20
     */
    initialLimit: z.number().int().min(1).default(20),
    /**
     * The limit never drops below this; it is also the limit while minRTT is being measured
     * (Envoy's min_concurrency).
     * @default 3
     */
    minLimit: z.number().int().min(1).default(3),
    /**
     * The limit never exceeds this (Envoy's max_concurrency_limit).
     * @default 1000
     */
    maxLimit: z.number().int().min(1).default(1000),
    /**
     * Latency headroom over minRTT still considered healthy: gradient = minRTT × (1 + tolerance) / sampleRTT.
     * @default 0.25
     */
    tolerance: z.number().min(0).default(0.25),
    /**
     * Gradient clamp, low end: the most the limit can shrink per window is to half.
     * @default 0.5
     */
    minGradient: z.number().gt(0).max(1).default(0.5),
    /**
     * Gradient clamp, high end.
     * @default 2
     */
    maxGradient: z.number().min(1).default(2),
    /**
     * How often the limit is recomputed from the samples of the last window, in ms
     * (Envoy's concurrency_update_interval).
     * @default 100
     */
    sampleWindowMs: z.number().positive().default(100),
    /**
     * Quantile of a window's round-trip times taken as its sampleRTT (and of the minRTT samples).
     * @default 0.5
     */
    percentile: z.number().gt(0).max(1).default(0.5),
    /**
     * How often minRTT is re-measured, in ms (Envoy's min_rtt_calc_params.interval).
     * @default 60000
     */
    minRttIntervalMs: z.number().positive().default(60_000),
    /**
     * Samples taken to measure minRTT (Envoy's request_count).
     * @default 50
     */
    minRttSamples: z.number().int().min(1).default(50),
    /**
     * Random extension of each re-measure interval, as a share of it, so a fleet does not drop to
     * minLimit in step.
     * @default 0.15
     */
    minRttJitter: z.number().min(0).max(1).default(0.15),
  })
  .refine((o) => o.maxLimit >= o.minLimit, { message: 'maxLimit must be >= minLimit', path: ['maxLimit'] });
export type AdaptiveConcurrencyLimitOptions = z.input<typeof adaptiveConcurrencyLimitOptionsSchema>;

export interface AdaptiveConcurrencyLimitHooks {
  clock?: Clock;
  /** Jitter of the minRTT re-measure interval. */
  random?: RandomSource;
}

export interface LimitChangeEvent {
  readonly from: number;
  readonly to: number;
  readonly gradient: number;
  readonly minRttMs: number;
  readonly sampleRttMs: number;
}

export interface AdaptiveConcurrencyLimitSnapshot {
  readonly limit: number;
  readonly phase: 'measuring-min-rtt' | 'running';
  readonly minRttMs: number | undefined;
  readonly sampleRttMs: number | undefined;
  readonly gradient: number | undefined;
}

/**
 * Envoy's adaptive concurrency (gradient controller), as a LimitSource for ConcurrencyLimiter.
 * Every `sampleWindowMs` it compares the window's round-trip time with the unloaded minRTT:
 *   gradient = clamp(minRTT × (1 + tolerance) / sampleRTT, minGradient, maxGradient)
 *   limit    = clamp(gradient × limit + √limit, minLimit, maxLimit)
 * so the limit shrinks when queueing inflates latency and grows back when it recedes. minRTT is
 * measured at start and every `minRttIntervalMs`, holding the limit at `minLimit` meanwhile so the
 * measurement sees an unloaded upstream; the limit then resumes where it was. No timers: the
 * controller advances on samples, read against the injected clock.
 */
export class AdaptiveConcurrencyLimit implements LimitSource {
  private readonly changeEmitter = new EventEmitter<LimitChangeEvent>();
  /** The limit was recomputed (emitted even when unchanged, for metrics). */
  readonly onLimitChange: Event<LimitChangeEvent> = this.changeEmitter.addListener;
  private readonly o: z.output<typeof adaptiveConcurrencyLimitOptionsSchema>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly samples = new LatencyWindow({ size: 4096, recomputeEvery: 1 });
  private phase: 'measuring-min-rtt' | 'running' = 'measuring-min-rtt';
  private current: number;
  private minRtt: number | undefined;
  private lastSampleRtt: number | undefined;
  private lastGradient: number | undefined;
  private windowStart = 0;
  private nextMinRttAt = 0;

  constructor(options: AdaptiveConcurrencyLimitOptions = {}, hooks: AdaptiveConcurrencyLimitHooks = {}) {
    this.o = adaptiveConcurrencyLimitOptionsSchema.parse(options);
    this.clock = hooks.clock ?? systemClock;
    this.random = toRandomFn(hooks.random);
    this.current = Math.min(this.o.maxLimit, Math.max(this.o.minLimit, this.o.initialLimit));
  }

  get limit(): number {
    return this.phase === 'running' ? Math.floor(this.current) : this.o.minLimit;
  }

  snapshot(): AdaptiveConcurrencyLimitSnapshot {
    return {
      limit: this.limit,
      phase: this.phase,
      minRttMs: this.minRtt,
      sampleRttMs: this.lastSampleRtt,
      gradient: this.lastGradient,
    };
  }

  sample({ rttMs }: LimitSample): void {
    const now = this.clock.now();
    this.samples.record(rttMs);
    if (this.phase === 'measuring-min-rtt') {
      if (this.samples.count < this.o.minRttSamples) return;
      this.minRtt = this.samples.quantile(this.o.percentile);
      this.samples.clear();
      this.phase = 'running';
      this.windowStart = now;
      this.nextMinRttAt = now + this.o.minRttIntervalMs * (1 + this.o.minRttJitter * this.random());
      return;
    }
    if (now - this.windowStart < this.o.sampleWindowMs) return;
    const sampleRtt = this.samples.quantile(this.o.percentile) ?? rttMs;
    this.samples.clear();
    this.windowStart = now;
    this.update(sampleRtt);
    if (now >= this.nextMinRttAt) this.phase = 'measuring-min-rtt';
  }

  private update(sampleRtt: number): void {
    const minRtt = this.minRtt ?? sampleRtt;
    const { tolerance, minGradient, maxGradient, minLimit, maxLimit } = this.o;
    const raw = sampleRtt > 0 ? (minRtt * (1 + tolerance)) / sampleRtt : maxGradient;
    const gradient = Math.min(maxGradient, Math.max(minGradient, raw));
    const from = this.limit;
    this.current = Math.min(maxLimit, Math.max(minLimit, gradient * this.current + Math.sqrt(this.current)));
    this.lastSampleRtt = sampleRtt;
    this.lastGradient = gradient;
    if (this.changeEmitter.hasListeners || policyChannels.limitChange.hasSubscribers) {
      const event = { from, to: this.limit, gradient, minRttMs: minRtt, sampleRttMs: sampleRtt };
      this.changeEmitter.emit(event);
      if (policyChannels.limitChange.hasSubscribers)
        policyChannels.limitChange.publish({ limit: this, ...event });
    }
  }
}
