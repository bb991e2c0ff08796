import { SeededRandom } from '../../common/rng.js';

/**
 * Which request of a weighted mix is sent as request number `seq`: the mix (each entry
 * repeated `weight` times) is shuffled afresh for every cycle of its length, with a random
 * stream forked from `seed` by the cycle's number. So the mix's proportions hold over every
 * cycle, and no request type is tied to a position: a balancer that sends request n to host
 * n mod k (round robin over k hosts) gives every host every type. (A fixed
 * `schedule[seq % length]` with a length of 3 sent each of 3 round-robin hosts one type only,
 * and which type the faulted host got depended on the seed.)
 *
 * Deterministic per (seed, seq), whatever order the requests are asked for in.
 */
export class MixSchedule<T> {
  private readonly entries: readonly T[];
  private cycle = -1;
  private order: T[] = [];

  constructor(
    items: readonly { item: T; weight: number }[],
    private readonly seed: number,
  ) {
    this.entries = items.flatMap(({ item, weight }) => Array.from({ length: weight }, () => item));
    if (this.entries.length === 0) throw new RangeError('a request mix needs at least one request');
  }

  /** Entries per cycle (the sum of the weights). */
  get length(): number {
    return this.entries.length;
  }

  /** The entry sent as request `seq` (from 0). */
  at(seq: number): T {
    const cycle = Math.floor(seq / this.entries.length);
    if (cycle !== this.cycle) {
      this.order = shuffled(this.entries, new SeededRandom(this.seed).fork(`cycle-${cycle}`));
      this.cycle = cycle;
    }
    return this.order[seq % this.entries.length] as T;
  }
}

/** Fisher–Yates with the given stream. */
function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
