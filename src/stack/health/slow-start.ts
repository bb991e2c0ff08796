import type { SlowStartConfig } from './health-config.js';

/**
 * The share of its configured weight a host gets `elapsedMs` after it became healthy: a linear
 * ramp from `minWeightPercent` to 100 % over `windowMs` (HAProxy `slowstart`, Envoy slow start
 * with aggression 1).
 */
export function slowStartFactor(config: SlowStartConfig, elapsedMs: number): number {
  if (config.windowMs <= 0 || elapsedMs >= config.windowMs) return 1;
  const min = config.minWeightPercent / 100;
  return min + (1 - min) * (Math.max(0, elapsedMs) / config.windowMs);
}
