import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { LeastRequestBalancer } from '../../../src/stack/balancer/least-request-balancer.js';
import { balancerContract } from './balancer-contract.js';

balancerContract('LeastRequestBalancer', () => new LeastRequestBalancer({ random: new SeededRandom(1) }));

describe('LeastRequestBalancer', () => {
  it('never picks the busiest of three hosts with two choices', () => {
    const b = new LeastRequestBalancer({ random: new SeededRandom(7) });
    const list = [
      { id: 'idle', weight: 1, activeRequests: 0 },
      { id: 'some', weight: 1, activeRequests: 3 },
      { id: 'busy', weight: 1, activeRequests: 50 },
    ];
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const id = b.pick(list)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.get('busy')).toBeUndefined();
    // idle wins every draw it is in: 2 of the 3 pairs.
    expect(counts.get('idle')!).toBeGreaterThan(170);
  });

  it('replays the same picks from the same seed', () => {
    const list = Array.from({ length: 5 }, (_, i) => ({ id: `h${i}`, weight: 1, activeRequests: i % 2 }));
    const run = () => {
      const b = new LeastRequestBalancer({ random: new SeededRandom(99) });
      return Array.from({ length: 30 }, () => b.pick(list)!.id).join(',');
    };
    expect(run()).toBe(run());
  });
});
