import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import type { RandomSource } from '../../common/rng.js';
import { backoffConfigSchema, createBackoff } from '../backoff/backoff-config.js';
import type { Outcome } from '../policy/outcome.js';
import type { Breaker } from './breaker.js';
import { CircuitBreakerPolicy } from './circuit-breaker-policy.js';
import { ConsecutiveBreaker, consecutiveBreakerOptionsSchema } from './consecutive-breaker.js';
import { FailureRateBreaker, failureRateBreakerOptionsSchema } from './failure-rate-breaker.js';

/**
 * A breaker strategy as written in a config file, discriminated on `type`.
 * @example { type: 'failure-rate', threshold: 0.5, windowMs: 10000, minimumVolume: 20 }
 */
export const breakerStrategyConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('consecutive'), ...consecutiveBreakerOptionsSchema.shape }),
  z
    .object({ type: z.literal('failure-rate'), ...failureRateBreakerOptionsSchema.shape })
    .refine((o) => o.windowMs >= o.buckets, { message: 'windowMs must be >= buckets', path: ['windowMs'] }),
]);
export type BreakerStrategyConfig = z.input<typeof breakerStrategyConfigSchema>;

/**
 * A circuit breaker as written in a config file (per upstream or per route in the gateway).
 * @example { strategy: { type: 'consecutive', threshold: 5 }, halfOpenAfter: 10000, halfOpenProbes: 3 }
 */
export const circuitBreakerConfigSchema = z.object({
  /**
   * When a closed circuit opens.
   * @default { type: 'consecutive', threshold: 5 }
   */
  strategy: breakerStrategyConfigSchema.default({ type: 'consecutive', threshold: 5 }),
  /**
   * Open period before probing: ms, or a back-off over consecutive re-opens.
   * @default 10000
   * @example { type: 'decorrelated-jitter', baseMs: 5000, capMs: 60000 }
   */
  halfOpenAfter: z.union([z.number().min(0), backoffConfigSchema]).default(10_000),
  /**
   * Probes that must all succeed to close the circuit.
   * @default 1
   */
  halfOpenProbes: z.number().int().min(1).default(1),
});
export type CircuitBreakerConfig = z.input<typeof circuitBreakerConfigSchema>;

/** Runtime hooks a config file cannot express. */
export interface CircuitBreakerHooks {
  isFailure?: (outcome: Outcome) => boolean;
  clock?: Clock;
  /** Jitter for a half-open back-off. */
  random?: RandomSource;
}

export function createBreaker(config: BreakerStrategyConfig, clock?: Clock): Breaker {
  switch (config.type) {
    case 'consecutive':
      return new ConsecutiveBreaker(config);
    case 'failure-rate':
      return new FailureRateBreaker(config, clock);
  }
}

/** Parses a breaker config (throws ZodError naming the key) and builds the policy. */
export function createCircuitBreaker(
  config: CircuitBreakerConfig = {},
  hooks: CircuitBreakerHooks = {},
): CircuitBreakerPolicy {
  const c = circuitBreakerConfigSchema.parse(config);
  return new CircuitBreakerPolicy({
    breaker: createBreaker(c.strategy, hooks.clock),
    halfOpenAfter:
      typeof c.halfOpenAfter === 'number' ? c.halfOpenAfter : createBackoff(c.halfOpenAfter, hooks.random),
    halfOpenProbes: c.halfOpenProbes,
    isFailure: hooks.isFailure,
    clock: hooks.clock,
  });
}
