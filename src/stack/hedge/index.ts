export { HedgeBudget, type HedgeBudgetOptions, hedgeBudgetOptionsSchema } from './hedge-budget.js';
export {
  type HedgeEvent,
  HedgePolicy,
  type HedgePolicyHooks,
  type HedgePolicyOptions,
  type HedgeSnapshot,
  hedgePolicyOptionsSchema,
} from './hedge-policy.js';
