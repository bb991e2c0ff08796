import { declaredControl } from '../../runner/control.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import type { StackChange, StackControl } from '../control.js';

/** The gateway's `rateLimit` as a scenario writes it. */
export type RateLimitInput = NonNullable<GatewayConfigInput['rateLimit']>;

/**
 * What a rate-limit scenario's negative control changes: a rewrite of the gateway's `rateLimit`
 * (undefined: no limiter). It is a `StackChange` whose gateway rewrite touches only `rateLimit`,
 * so the reference-stack harness applies it to the stack's gateway like any other, and a
 * scenario that starts gateways of its own applies it to theirs (`gatewayConfigFor`).
 */
export type RateLimitChange = StackChange;

/** A negative control of a rate-limit scenario. */
export type RateLimitControl = StackControl;

/**
 * A `RateLimitChange` from a rewrite of `rateLimit`; a config without `rateLimit` is left as it
 * is (as `changeCluster` leaves a config without the cluster).
 */
export function changeRateLimit(fn: (limit: RateLimitInput) => RateLimitInput | undefined): RateLimitChange {
  return {
    gateway: (config) => {
      const { rateLimit, ...rest } = config;
      if (!rateLimit) return config;
      const next = fn(rateLimit);
      return next ? { ...rest, rateLimit: next } : rest;
    },
  };
}

/**
 * A gateway config the scenario built for gateways of its own, with the run's control (one of
 * the scenario's `controls`) applied: unchanged for the scenario itself.
 *
 * @throws UndeclaredControlError when `ctx.control` is not one of `controls`.
 */
export function gatewayConfigFor(
  ctx: Pick<ScenarioContext, 'control'>,
  controls: readonly RateLimitControl[],
  config: GatewayConfigInput,
): GatewayConfigInput {
  const rewrite = declaredControl(controls, ctx.control)?.stack.gateway;
  return rewrite ? rewrite(config) : config;
}
