export {
  ConcurrentRetryBudget,
  type ConcurrentRetryBudgetOptions,
  concurrentRetryBudgetSchema,
} from './concurrent-retry-budget.js';
export { IDEMPOTENT_METHODS, isIdempotentRequest } from './idempotency.js';
export { RateRetryBudget, type RateRetryBudgetOptions, rateRetryBudgetSchema } from './rate-retry-budget.js';
export type { RetryBudget, RetryBudgetSnapshot } from './retry-budget.js';
export {
  createRetryBudget,
  createRetryPolicy,
  defaultRetryBudget,
  type RetryBudgetConfig,
  type RetryConfig,
  type RetryConfigInput,
  type RetryHooks,
  type RetryOverride,
  retryBudgetConfigSchema,
  retryConfigSchema,
  retryErrorsExceptBrokenCircuit,
  retryOverrideSchema,
} from './retry-config.js';
export {
  type GiveUpEvent,
  type RetryDecisionContext,
  type RetryEvent,
  RetryPolicy,
  type RetryPolicyOptions,
  retryPolicyOptionsSchema,
} from './retry-policy.js';
