import type { ScenarioControl } from '../runner/control.js';
import type { GatewayConfigInput } from '../stack/gateway/gateway-config.js';

/**
 * A change to the system under test, as configuration: what a negative control switches off.
 * Applied by the reference-stack harness when the stack starts, so a scenario's code never
 * branches on which control runs.
 */
export interface StackChange {
  /** Rewrites the gateway config the scenario built (e.g. `retry.maxRetries: 0`). */
  gateway?: (config: GatewayConfigInput) => GatewayConfigInput;
  /** Extra environment for every reference-service instance (e.g. `IGNORE_IDEMPOTENCY_KEY=1`). */
  serviceEnv?: Record<string, string>;
}

/** A negative control of a reference-stack scenario. */
export type StackControl = ScenarioControl<StackChange>;

/** The gateway config with `fn` applied to its `service` cluster (or `cluster`). */
export function changeCluster(
  fn: (cluster: ClusterInput) => ClusterInput,
  cluster = 'service',
): (config: GatewayConfigInput) => GatewayConfigInput {
  return (config) => {
    const base = config.clusters[cluster];
    if (!base) return config;
    return { ...config, clusters: { ...config.clusters, [cluster]: fn(base) } };
  };
}

type ClusterInput = GatewayConfigInput['clusters'][string];

/** The usual controls, named once so every scenario spells them the same way. */
export const controls = {
  /** No retry on another host: every request gets one try. */
  retriesOff: (claim: string): StackControl => ({
    name: 'retries_off',
    claim,
    change: 'retry.maxRetries 0 (one try per request)',
    stack: { gateway: changeCluster((c) => ({ ...c, retry: { ...c.retry, maxRetries: 0 } })) },
  }),
  /** No active health checks and no outlier detection: nothing takes a host out or brings it back. */
  healthChecksOff: (claim: string): StackControl => ({
    name: 'health_checks_off',
    claim,
    change: 'no active health checks, no outlier detection',
    stack: {
      gateway: changeCluster((c) => ({ ...c, health: { outlier: false } })),
    },
  }),
  /** Active checks off, outlier detection kept. */
  activeChecksOff: (claim: string): StackControl => ({
    name: 'active_checks_off',
    claim,
    change: 'no active health checks (outlier detection kept)',
    stack: {
      gateway: changeCluster((c) => {
        const { active: _off, ...health } = c.health ?? {};
        return { ...c, health };
      }),
    },
  }),
  /** The per-host breaker removed. */
  breakerOff: (claim: string): StackControl => ({
    name: 'breaker_off',
    claim,
    change: 'no per-host circuit breaker',
    stack: {
      gateway: changeCluster((c) => {
        const { breaker: _off, ...rest } = c;
        return rest;
      }),
    },
  }),
  /** Round robin instead of the scenario's balancer. */
  roundRobin: (claim: string): StackControl => ({
    name: 'round_robin',
    claim,
    change: 'balancer round_robin',
    stack: { gateway: changeCluster((c) => ({ ...c, balancer: 'round_robin' })) },
  }),
  /** Slow start off: a re-admitted host gets its full weight at once. */
  slowStartOff: (claim: string): StackControl => ({
    name: 'slow_start_off',
    claim,
    change: 'slowStart.windowMs 0 (full weight at once)',
    stack: { gateway: changeCluster((c) => ({ ...c, slowStart: { windowMs: 0 } })) },
  }),
} as const;
