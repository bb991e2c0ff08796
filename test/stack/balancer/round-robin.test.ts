import { describe, expect, it } from 'vitest';
import { RoundRobinBalancer } from '../../../src/stack/balancer/round-robin-balancer.js';
import { balancerContract } from './balancer-contract.js';

balancerContract('RoundRobinBalancer', () => new RoundRobinBalancer());

describe('RoundRobinBalancer', () => {
  it('rotates strictly through equal-weight hosts', () => {
    const b = new RoundRobinBalancer();
    const list = ['a', 'b', 'c'].map((id) => ({ id, weight: 1, activeRequests: 0 }));
    const seq = Array.from({ length: 6 }, () => b.pick(list)?.id).join('');
    expect(seq).toBe('abcabc');
  });

  it('gives a half-weight host every other turn', () => {
    const b = new RoundRobinBalancer();
    const list = [
      { id: 'a', weight: 2, activeRequests: 0 },
      { id: 'b', weight: 1, activeRequests: 0 },
    ];
    const seq = Array.from({ length: 6 }, () => b.pick(list)?.id).join('');
    expect(seq.split('a').length - 1).toBe(4);
    expect(seq.split('b').length - 1).toBe(2);
  });
});
