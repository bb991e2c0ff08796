// Policy and wrap are exported by src/stack/index.ts straight from policy.ts.
export {
  abortReason,
  type LinkedAbort,
  linkAbort,
  neverAbortedSignal,
  onAbort,
  sleep,
} from '../../common/abort.js';
export { type Clock, ManualClock, systemClock, type Timer, type TimerClock } from '../../common/clock.js';
export { policyChannels } from './diagnostics.js';
export { errorsAreFailures, type Outcome } from './outcome.js';
export type { Pipeline, RequestInfo } from './policy.js';
export {
  createRoutePolicies,
  type RoutePolicies,
  type RoutePoliciesConfig,
  type RoutePoliciesConfigInput,
  type RoutePoliciesHooks,
  routePoliciesConfigSchema,
} from './route-policies.js';
export {
  composeStages,
  DuplicateStageError,
  orderStages,
  type Stage,
  type StageName,
  stageOrder,
} from './stages.js';
