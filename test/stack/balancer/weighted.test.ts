import { describe, expect, it } from 'vitest';
import { WeightedBalancer } from '../../../src/stack/balancer/weighted-balancer.js';
import { balancerContract } from './balancer-contract.js';

balancerContract('WeightedBalancer', () => new WeightedBalancer());

describe('WeightedBalancer', () => {
  it('interleaves 5:1:1 smoothly, as nginx does', () => {
    const b = new WeightedBalancer();
    const list = [
      { id: 'a', weight: 5, activeRequests: 0 },
      { id: 'b', weight: 1, activeRequests: 0 },
      { id: 'c', weight: 1, activeRequests: 0 },
    ];
    const seq = Array.from({ length: 7 }, () => b.pick(list)?.id).join('');
    expect(seq).toBe('aabacaa');
  });

  it('splits picks exactly by weight over a full cycle', () => {
    const b = new WeightedBalancer();
    const list = [
      { id: 'a', weight: 3, activeRequests: 0 },
      { id: 'b', weight: 1, activeRequests: 0 },
    ];
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 400; i++) counts[b.pick(list)!.id]!++;
    expect(counts).toEqual({ a: 300, b: 100 });
  });
});
