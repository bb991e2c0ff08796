import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import type { Breaker, BreakerSnapshot } from './breaker.js';

export const failureRateBreakerOptionsSchema = z
  .object({
    /**
     * Failure share (0..1] over the window at or above which the circuit opens
     * (opossum's errorThresholdPercentage / 100).
     * @default 0.5
     */
    threshold: z.number().gt(0).max(1).default(0.5),
    /**
     * Length of the rolling window in ms.
     * @default 10000
     */
    windowMs: z.number().int().min(1).default(10_000),
    /**
     * Time buckets the window is cut into; a bucket expires as a whole, so more buckets means a
     * smoother window (opossum's rollingCountBuckets).
     * @default 10
     */
    buckets: z.number().int().min(1).max(1000).default(10),
    /**
     * Calls the window must hold before the rate is trusted: below it the circuit never opens.
     * @default 20
     */
    minimumVolume: z.number().int().min(1).default(20),
  })
  .refine((o) => o.windowMs >= o.buckets, { message: 'windowMs must be >= buckets', path: ['windowMs'] });
export type FailureRateBreakerOptions = z.input<typeof failureRateBreakerOptionsSchema>;

/**
 * Opens when, over the last `windowMs`, at least `minimumVolume` calls were seen and the failure
 * share reached `threshold`. Counters live in a fixed ring of time buckets with running totals,
 * so recording is O(1) and allocates nothing.
 */
export class FailureRateBreaker implements Breaker {
  readonly threshold: number;
  readonly windowMs: number;
  readonly minimumVolume: number;
  private readonly bucketMs: number;
  private readonly successes: Uint32Array;
  private readonly failures: Uint32Array;
  private readonly clock: Clock;
  /** Index (time / bucketMs) of the newest bucket; buckets older than the window are zeroed. */
  private headEpoch = Number.NEGATIVE_INFINITY;
  private totalSuccesses = 0;
  private totalFailures = 0;

  constructor(options: FailureRateBreakerOptions = {}, clock: Clock = systemClock) {
    const o = failureRateBreakerOptionsSchema.parse(options);
    this.threshold = o.threshold;
    this.windowMs = o.windowMs;
    this.minimumVolume = o.minimumVolume;
    this.bucketMs = o.windowMs / o.buckets;
    this.successes = new Uint32Array(o.buckets);
    this.failures = new Uint32Array(o.buckets);
    this.clock = clock;
  }

  snapshot(): BreakerSnapshot {
    this.rotate();
    const volume = this.totalSuccesses + this.totalFailures;
    return {
      type: 'failure-rate',
      successes: this.totalSuccesses,
      failures: this.totalFailures,
      failureRate: volume === 0 ? 0 : this.totalFailures / volume,
      threshold: this.threshold,
      minimumVolume: this.minimumVolume,
      windowMs: this.windowMs,
    };
  }

  success(): void {
    const i = this.rotate();
    this.successes[i]!++;
    this.totalSuccesses++;
  }

  failure(): boolean {
    const i = this.rotate();
    this.failures[i]!++;
    this.totalFailures++;
    const volume = this.totalSuccesses + this.totalFailures;
    return volume >= this.minimumVolume && this.totalFailures / volume >= this.threshold;
  }

  reset(): void {
    this.successes.fill(0);
    this.failures.fill(0);
    this.totalSuccesses = 0;
    this.totalFailures = 0;
  }

  /** Expires the buckets that fell out of the window; returns the index of the current bucket. */
  private rotate(): number {
    const n = this.successes.length;
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    if (epoch > this.headEpoch) {
      if (epoch - this.headEpoch >= n) {
        this.reset();
      } else {
        for (let e = this.headEpoch + 1; e <= epoch; e++) {
          const i = ((e % n) + n) % n;
          this.totalSuccesses -= this.successes[i]!;
          this.totalFailures -= this.failures[i]!;
          this.successes[i] = 0;
          this.failures[i] = 0;
        }
      }
      this.headEpoch = epoch;
    }
    return ((this.headEpoch % n) + n) % n;
  }
}
