import { z } from 'zod';

/**
 * A compact streaming latency estimator: the last `size` samples in a fixed ring, with quantiles
 * read from a sorted copy that is refreshed at most every `recomputeEvery` samples. Shared by the
 * adaptive timeout (p99) and the hedge policy (p95).
 *
 * Why a ring and not hdr-histogram-js: a ring forgets old samples, so the estimate follows a
 * rising distribution; recording is one array store (no allocation), and the amortised sort cost
 * is measured by `bench/breaker/latency-estimator.ts`.
 */
export const latencyWindowOptionsSchema = z.object({
  /**
   * Samples kept (the newest win).
   * @default 1024
   */
  size: z.number().int().min(8).max(1_000_000).default(1024),
  /**
   * Re-sort after this many new samples; between re-sorts quantiles are served from the cache.
   * @default 32
   */
  recomputeEvery: z.number().int().min(1).default(32),
});
export type LatencyWindowOptions = z.input<typeof latencyWindowOptionsSchema>;

export class LatencyWindow {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private readonly recomputeEvery: number;
  private held = 0;
  private cursor = 0;
  private sortedLength = 0;
  private sinceSort = 0;
  private total = 0;

  constructor(options: LatencyWindowOptions = {}) {
    const o = latencyWindowOptionsSchema.parse(options);
    this.ring = new Float64Array(o.size);
    this.sorted = new Float64Array(o.size);
    this.recomputeEvery = o.recomputeEvery;
  }

  /** Records one latency in milliseconds. Negative or non-finite values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return;
    this.ring[this.cursor] = ms;
    this.cursor = this.cursor + 1 === this.ring.length ? 0 : this.cursor + 1;
    if (this.held < this.ring.length) this.held++;
    this.sinceSort++;
    this.total++;
  }

  /** Samples currently held (at most `size`). */
  get count(): number {
    return this.held;
  }

  /** Samples ever recorded. */
  get recorded(): number {
    return this.total;
  }

  /** The q-quantile (0..1, nearest rank) of the held samples, or undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.held === 0) return undefined;
    if (this.sortedLength === 0 || this.sinceSort >= this.recomputeEvery) this.resort();
    const rank = Math.min(this.sortedLength - 1, Math.max(0, Math.ceil(q * this.sortedLength) - 1));
    return this.sorted[rank];
  }

  clear(): void {
    this.held = 0;
    this.cursor = 0;
    this.sortedLength = 0;
    this.sinceSort = 0;
  }

  private resort(): void {
    const view = this.sorted.subarray(0, this.held);
    view.set(this.ring.subarray(0, this.held));
    view.sort();
    this.sortedLength = this.held;
    this.sinceSort = 0;
  }
}
