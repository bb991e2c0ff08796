import { declaredControl, type ScenarioControl } from '../../runner/control.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { CacheConfigInput } from '../../stack/cache/cache-config.js';

/**
 * What a cache scenario's negative control changes: a rewrite of the route's cache config the
 * scenario built (e.g. `integrity.verify: false`), applied by the scenario when it starts its stack.
 */
export interface CacheChange {
  readonly cache: (config: CacheConfigInput) => CacheConfigInput;
}

/** A negative control of a cache scenario. */
export type CacheControl = ScenarioControl<CacheChange>;

/**
 * The scenario's cache config with the run's control (one of the scenario's `controls`) applied;
 * unchanged for the scenario itself.
 *
 * @throws UndeclaredControlError when `ctx.control` is not one of `controls`.
 */
export function cacheConfigFor(
  ctx: Pick<ScenarioContext, 'control'>,
  controls: readonly CacheControl[],
  config: CacheConfigInput,
): CacheConfigInput {
  const control = declaredControl(controls, ctx.control);
  return control ? control.stack.cache(config) : config;
}

/** A rewrite of the Redis tier's health monitor (a config without the tier is left as it is). */
export function changeTierMonitor(
  fn: (
    monitor: NonNullable<NonNullable<CacheConfigInput['redis']>['monitor']>,
  ) => NonNullable<NonNullable<CacheConfigInput['redis']>['monitor']>,
): CacheChange {
  return {
    cache: (config) =>
      config.redis
        ? { ...config, redis: { ...config.redis, monitor: fn(config.redis.monitor ?? {}) } }
        : config,
  };
}
