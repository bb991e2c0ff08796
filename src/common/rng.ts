/**
 * The one seeded random source. Every random choice in Faultline (toxicity draws, jitter,
 * which instance to crash, corruption bytes) comes from a `SeededRandom`, so a run can be
 * replayed from the seed printed in its journal.
 *
 * Algorithm: sfc32 seeded through splitmix32 — small, fast, and well distributed.
 */
export class SeededRandom {
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new TypeError('seed must be a finite number');
    this.seed = seed >>> 0;
    let s = this.seed;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return p >= 1 || (p > 0 && this.next() < p);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /**
   * An independent stream derived from this seed and a label, so that adding a random draw
   * in one component does not shift the draws of another.
   */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(h >>> 0);
  }
}

/** A seed for a run that was not given one; printed so the run can be replayed. */
export function freshSeed(): number {
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 0xffffffff)) >>> 0;
}

/**
 * Where random draws come from, for components that take one (jitter, balancer picks, probes):
 * the one seeded RNG (`SeededRandom`, so draws replay from a seed) or anything with its
 * `next()`, or a plain `() => [0, 1)` function.
 */
export type RandomSource = { next(): number } | (() => number);

/** Normalises a RandomSource to `() => [0, 1)`; with none, a freshly seeded SeededRandom (never Math.random). */
export function toRandomFn(random?: RandomSource): () => number {
  if (typeof random === 'function') return random;
  const rng = random ?? new SeededRandom(freshSeed());
  return () => rng.next();
}
