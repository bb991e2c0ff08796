import { z } from 'zod';

/**
 * A compact streaming latency estimator: the last `size` samples in a fixed ring, with quantiles
 * selected from a copy at most every `recomputeEvery` samples. Shared by the
 * adaptive timeout (p99) and the hedge policy (p95).
 *
 * Why a ring and not hdr-histogram-js: a ring forgets old samples, so the estimate follows a
 * rising distribution; recording is one array store (no allocation); reading p99 after every
 * record costs ~0.3 µs amortised where hdr-histogram-js walks its buckets for ~1 ms
 * (`bench/breaker/latency-estimator.ts`).
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
  private readonly scratch: Float64Array;
  private readonly recomputeEvery: number;
  private held = 0;
  private cursor = 0;
  private total = 0;
  /** Cached quantiles: q, value, and `total` when computed (a handful of distinct q at most). */
  private readonly cacheQ: number[] = [];
  private readonly cacheValue: number[] = [];
  private readonly cacheAt: number[] = [];

  constructor(options: LatencyWindowOptions = {}) {
    const o = latencyWindowOptionsSchema.parse(options);
    this.ring = new Float64Array(o.size);
    this.scratch = new Float64Array(o.size);
    this.recomputeEvery = o.recomputeEvery;
  }

  /** Records one latency in milliseconds. Negative or non-finite values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return;
    this.ring[this.cursor] = ms;
    this.cursor = this.cursor + 1 === this.ring.length ? 0 : this.cursor + 1;
    if (this.held < this.ring.length) this.held++;
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

  /**
   * The q-quantile (0..1, nearest rank) of the held samples, or undefined when empty. Computed by
   * selection on a copy (O(size), cheaper than sorting) and cached until `recomputeEvery` new
   * samples have arrived.
   */
  quantile(q: number): number | undefined {
    if (this.held === 0) return undefined;
    let slot = this.cacheQ.indexOf(q);
    if (slot >= 0 && this.total - this.cacheAt[slot]! < this.recomputeEvery) return this.cacheValue[slot];
    const n = this.held;
    const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    const view = this.scratch.subarray(0, n);
    view.set(this.ring.subarray(0, n));
    const value = select(view, rank);
    if (slot < 0) {
      if (this.cacheQ.length >= 8) this.clearCache();
      slot = this.cacheQ.push(q) - 1;
    }
    this.cacheValue[slot] = value;
    this.cacheAt[slot] = this.total;
    return value;
  }

  clear(): void {
    this.held = 0;
    this.cursor = 0;
    this.clearCache();
  }

  private clearCache(): void {
    this.cacheQ.length = 0;
    this.cacheValue.length = 0;
    this.cacheAt.length = 0;
  }
}

/** Hoare's quickselect: the k-th smallest of `a` (reorders `a`). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
