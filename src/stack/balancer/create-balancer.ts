import type { RandomSource } from '../../common/rng.js';
import type { Balancer } from './balancer.js';
import { LeastRequestBalancer } from './least-request-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { WeightedBalancer } from './weighted-balancer.js';

/** The balancer names a config may use, and how each is built: the one registry. */
export const balancerFactories = {
  round_robin: () => new RoundRobinBalancer(),
  weighted: () => new WeightedBalancer(),
  least_request: (random: RandomSource) => new LeastRequestBalancer({ random }),
} satisfies Record<string, (random: RandomSource) => Balancer>;

export type BalancerName = keyof typeof balancerFactories;

export const balancerNames = Object.keys(balancerFactories) as [BalancerName, ...BalancerName[]];

export function createBalancer(name: BalancerName, random: RandomSource): Balancer {
  return balancerFactories[name](random);
}
