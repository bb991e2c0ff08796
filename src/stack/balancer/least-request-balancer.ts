import { type RandomSource, toRandomFn } from '../../common/rng.js';
import type { Balancer, BalancerHost } from './balancer.js';

export interface LeastRequestBalancerOptions {
  /** Where the two candidates are drawn from; pass a `SeededRandom` for replayable picks. */
  random: RandomSource;
  /**
   * How many random candidates to compare ("power of two choices").
   * @default 2
   */
  choices?: number;
}

/**
 * Power of N choices (N = 2 by default): draw N distinct candidates at random, each with
 * probability proportional to its effective weight, and take the one with the fewest requests
 * in flight (ties go to the first drawn). It avoids the herd behaviour of a global "least
 * loaded" pick while staying O(hosts); weights (and slow start) shape who gets drawn, load
 * decides between the drawn.
 */
export class LeastRequestBalancer implements Balancer {
  private readonly random: () => number;
  private readonly choices: number;

  constructor(options: LeastRequestBalancerOptions) {
    this.random = toRandomFn(options.random);
    this.choices = Math.max(1, options.choices ?? 2);
  }

  pick<H extends BalancerHost>(hosts: readonly H[]): H | undefined {
    const n = hosts.length;
    if (n <= 1) return hosts[0];
    const k = Math.min(this.choices, n);
    let total = 0;
    for (const h of hosts) total += h.weight;
    let best: H | undefined;
    const seen = new Set<number>();
    for (let draw = 0; seen.size < k && draw < 8 * k; draw++) {
      const i = this.drawIndex(hosts, total);
      if (seen.has(i)) continue;
      seen.add(i);
      const host = hosts[i] as H;
      if (!best || host.activeRequests < best.activeRequests) best = host;
    }
    return best;
  }

  private drawIndex(hosts: readonly BalancerHost[], total: number): number {
    let r = this.random() * total;
    for (let i = 0; i < hosts.length; i++) {
      r -= (hosts[i] as BalancerHost).weight;
      if (r < 0) return i;
    }
    return hosts.length - 1;
  }
}
