export type { Breaker, BreakerSnapshot } from './breaker.js';
export { BrokenCircuitError, isBrokenCircuitError } from './broken-circuit-error.js';
export {
  type BreakerStrategyConfig,
  breakerStrategyConfigSchema,
  type CircuitBreakerConfig,
  type CircuitBreakerHooks,
  circuitBreakerConfigSchema,
  createBreaker,
  createCircuitBreaker,
} from './circuit-breaker-config.js';
export {
  type BreakEvent,
  type CallEvent,
  CircuitBreakerPolicy,
  type CircuitBreakerPolicyOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
  circuitBreakerPolicyOptionsSchema,
} from './circuit-breaker-policy.js';
export {
  ConsecutiveBreaker,
  type ConsecutiveBreakerOptions,
  consecutiveBreakerOptionsSchema,
} from './consecutive-breaker.js';
export {
  FailureRateBreaker,
  type FailureRateBreakerOptions,
  failureRateBreakerOptionsSchema,
} from './failure-rate-breaker.js';
