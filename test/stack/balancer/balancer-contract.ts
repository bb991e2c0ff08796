import { describe, expect, it } from 'vitest';
import type { Balancer, BalancerHost } from '../../../src/stack/balancer/balancer.js';

function hosts(n: number, weight = 1): BalancerHost[] {
  return Array.from({ length: n }, (_, i) => ({ id: `h${i}`, weight, activeRequests: 0 }));
}

function count(balancer: Balancer, list: readonly BalancerHost[], picks: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const h = balancer.pick(list);
    if (!h) throw new Error('no pick');
    counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
  }
  return counts;
}

/** The contract every Balancer honours; each implementation's test file runs it. */
export function balancerContract(name: string, make: () => Balancer): void {
  describe(`${name} (Balancer contract)`, () => {
    it('returns undefined for no hosts and the only host for one', () => {
      const b = make();
      expect(b.pick([])).toBeUndefined();
      const one = hosts(1);
      for (let i = 0; i < 5; i++) expect(b.pick(one)).toBe(one[0]);
    });

    it('only picks hosts from the list it is given', () => {
      const b = make();
      const all = hosts(4);
      for (let i = 0; i < 50; i++) {
        const subset = all.slice(i % 3, (i % 3) + 2);
        expect(subset).toContain(b.pick(subset));
      }
    });

    it('spreads equal-weight idle hosts evenly', () => {
      const list = hosts(3);
      const counts = count(make(), list, 3000);
      for (const h of list) expect(Math.abs((counts.get(h.id) ?? 0) - 1000)).toBeLessThan(150);
    });

    it('gives a host with a tenth of the weight (slow start) far fewer picks', () => {
      const list = hosts(3);
      const ramping = { id: 'ramp', weight: 0.1, activeRequests: 0 };
      const counts = count(make(), [...list, ramping], 3100);
      expect(counts.get('ramp') ?? 0).toBeLessThan(400);
      expect(counts.get('ramp') ?? 0).toBeGreaterThan(0);
    });
  });
}
