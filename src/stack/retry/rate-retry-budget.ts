import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import type { RetryBudget, RetryBudgetSnapshot } from './retry-budget.js';

/**
 * Finagle's RetryBudget (`RetryBudget(ttl, minRetriesPerSec, percentCanRetry)`, same defaults):
 * retries as a share of requests over a sliding window, with a floor.
 */
export const rateRetryBudgetSchema = z
  .object({
    /** @default 'rate' */
    type: z.literal('rate').default('rate'),
    /**
     * The sliding window requests and retries are counted over, in ms (Finagle's `ttl`). It
     * slides in 10 buckets, so a count expires between 0.9 and 1 window after it was made.
     * @default 10000
     */
    windowMs: z.number().int().min(100).default(10_000),
    /**
     * Retries may add at most this percent of the requests in the window (Finagle's
     * `percentCanRetry` × 100).
     * @default 20
     */
    percent: z.number().min(0).max(1000).default(20),
    /**
     * The floor: this many retries per second are always allowed, however few requests there
     * are (Finagle's `minRetriesPerSec`), i.e. minRetriesPerSecond × window / 1000 per window.
     * @default 10
     */
    minRetriesPerSecond: z.number().min(0).default(10),
  })
  .strict();
export type RateRetryBudgetOptions = Omit<z.input<typeof rateRetryBudgetSchema>, 'type'>;

const BUCKETS = 10;

/**
 * A rate-based retry budget: within any window, retries ≤ minRetriesPerSecond × windowMs / 1000
 * + percent % × requests. It neither starves nor amplifies:
 * - it counts requests *started*, not in flight, so when one host of three hangs the retries of
 *   the requests stuck on it are covered by the other requests and the floor (an in-flight
 *   budget refuses them, since the stuck requests all want their retry at the same moment);
 * - when every host fails, retries add at most `percent` % (plus the floor) of extra load, where
 *   `maxRetries` alone would multiply it.
 * Retries themselves don't earn budget. No timers: buckets roll over as the clock is read.
 */
export class RateRetryBudget implements RetryBudget {
  readonly windowMs: number;
  readonly percent: number;
  readonly minRetriesPerSecond: number;
  private readonly bucketMs: number;
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  /** Index of the bucket `now` falls in, counted from the clock's origin. */
  private current = Number.NEGATIVE_INFINITY;
  private requestsInWindow = 0;
  private retriesInWindow = 0;
  private readonly clock: Clock;

  constructor(options: RateRetryBudgetOptions = {}, clock: Clock = systemClock) {
    const o = rateRetryBudgetSchema.parse({ ...options, type: 'rate' });
    this.windowMs = o.windowMs;
    this.percent = o.percent;
    this.minRetriesPerSecond = o.minRetriesPerSecond;
    this.bucketMs = o.windowMs / BUCKETS;
    this.clock = clock;
  }

  requestStarted(): void {
    const slot = this.roll();
    this.requests[slot]! += 1;
    this.requestsInWindow++;
  }

  requestEnded(): void {}

  tryStartRetry(): boolean {
    const slot = this.roll();
    if (this.retriesInWindow >= this.allowed()) return false;
    this.retries[slot]! += 1;
    this.retriesInWindow++;
    return true;
  }

  retryEnded(): void {}

  snapshot(): RetryBudgetSnapshot {
    this.roll();
    return {
      type: 'rate',
      requests: this.requestsInWindow,
      retries: this.retriesInWindow,
      allowedRetries: this.allowed(),
      windowMs: this.windowMs,
    };
  }

  private allowed(): number {
    return Math.floor(
      (this.minRetriesPerSecond * this.windowMs) / 1000 + (this.percent / 100) * this.requestsInWindow,
    );
  }

  /** Expires the buckets that fell out of the window; returns the slot of the current one. */
  private roll(): number {
    const index = Math.floor(this.clock.now() / this.bucketMs);
    if (index > this.current) {
      if (index - this.current >= BUCKETS) {
        this.requests.fill(0);
        this.retries.fill(0);
        this.requestsInWindow = 0;
        this.retriesInWindow = 0;
      } else {
        for (let i = this.current + 1; i <= index; i++) {
          const slot = mod(i, BUCKETS);
          this.requestsInWindow -= this.requests[slot]!;
          this.retriesInWindow -= this.retries[slot]!;
          this.requests[slot] = 0;
          this.retries[slot] = 0;
        }
      }
      this.current = index;
    }
    // A clock that went back (a test resetting a ManualClock) keeps counting in the newest bucket.
    return mod(this.current, BUCKETS);
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
