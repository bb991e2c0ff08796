export type { Balancer, BalancerHost } from './balancer.js';
export { type BalancerName, balancerNames, createBalancer } from './create-balancer.js';
export { LeastRequestBalancer, type LeastRequestBalancerOptions } from './least-request-balancer.js';
export { RoundRobinBalancer } from './round-robin-balancer.js';
export { WeightedBalancer } from './weighted-balancer.js';
