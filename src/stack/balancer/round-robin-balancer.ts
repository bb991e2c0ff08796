import type { Balancer, BalancerHost } from './balancer.js';

/**
 * Rotates through the hosts in order. Equal weights give a strict rotation; a host with a
 * lower effective weight (a host ramping up in slow start) earns credit on each visit and is
 * taken only when it has a full credit, so it gets its share without any randomness.
 */
export class RoundRobinBalancer implements Balancer {
  private next = 0;
  private readonly credit = new Map<string, number>();

  pick<H extends BalancerHost>(hosts: readonly H[]): H | undefined {
    const n = hosts.length;
    if (n === 0) return undefined;
    let max = 0;
    for (const h of hosts) if (h.weight > max) max = h.weight;
    // The heaviest host has ratio 1 and is taken on its first visit, so this ends within n steps.
    for (let step = 0; step < n; step++) {
      const host = hosts[this.next++ % n] as H;
      if (this.next >= Number.MAX_SAFE_INTEGER) this.next = 0;
      const credit = (this.credit.get(host.id) ?? 0) + host.weight / max;
      if (credit >= 1 - 1e-9) {
        this.credit.set(host.id, credit - 1);
        return host;
      }
      this.credit.set(host.id, credit);
    }
    return hosts[0];
  }
}
