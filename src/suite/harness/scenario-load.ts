import type { ScenarioContext } from '../../runner/scenario.js';
import { RequestMixLoad, type RequestMixOptions } from './request-mix-load.js';

/**
 * The load every reference-stack scenario drives through its gateway: a request mix against
 * `gatewayUrl`, logging through the scenario's logger when it has one. One builder so the
 * scenarios differ only in what they mean to differ in (rate, duration, mix, client timeout).
 */
export function scenarioLoad(
  ctx: ScenarioContext,
  gatewayUrl: string,
  options: Omit<RequestMixOptions, 'baseUrl' | 'logger'>,
): RequestMixLoad {
  return new RequestMixLoad({
    baseUrl: gatewayUrl,
    ...options,
    ...(ctx.logger ? { logger: ctx.logger } : {}),
  });
}
