export { IDEMPOTENT_METHODS, isIdempotentRequest } from './idempotency.js';
export {
  RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
  retryBudgetOptionsSchema,
} from './retry-budget.js';
export {
  createRetryPolicy,
  type RetryConfig,
  type RetryHooks,
  retryConfigSchema,
  retryErrorsExceptBrokenCircuit,
} from './retry-config.js';
export {
  type GiveUpEvent,
  type RetryDecisionContext,
  type RetryEvent,
  RetryPolicy,
  type RetryPolicyOptions,
  retryPolicyOptionsSchema,
} from './retry-policy.js';
