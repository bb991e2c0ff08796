import type { Balancer, BalancerHost } from './balancer.js';

/**
 * Smooth weighted round robin (nginx's algorithm): each pick adds every host's weight to its
 * running score, takes the highest score and subtracts the total. Weights 5:1:1 give
 * a a b a c a a rather than a a a a a b c, and weight changes (slow start) apply at once.
 */
export class WeightedBalancer implements Balancer {
  private readonly current = new Map<string, number>();

  pick<H extends BalancerHost>(hosts: readonly H[]): H | undefined {
    let best: H | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (const host of hosts) {
      const score = (this.current.get(host.id) ?? 0) + host.weight;
      this.current.set(host.id, score);
      total += host.weight;
      if (score > bestScore) {
        bestScore = score;
        best = host;
      }
    }
    if (best) this.current.set(best.id, bestScore - total);
    // Forget hosts that left the eligible set so they restart from zero when they return.
    if (this.current.size > hosts.length) {
      const live = new Set(hosts.map((h) => h.id));
      for (const id of this.current.keys()) if (!live.has(id)) this.current.delete(id);
    }
    return best;
  }
}
