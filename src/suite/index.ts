/** The scenario suite: the Scenario contract, its context, needs, the runner and the registry. */
export { createScenarioContext, type IsolatedContext, type ScenarioContextOptions } from './context.js';
export { NEEDS, type Need, type NeedCheck, NeedChecker, type NeedEnv, type NeedResult } from './needs.js';
export { phaseAction } from './phase-action.js';
export { PortAllocator } from './port-allocator.js';
export { scenarios } from './registry.js';
export {
  type RunObserver,
  type RunOutcome,
  type RunScenariosOptions,
  type RunScenariosResult,
  runScenarios,
} from './runner.js';
export {
  CATEGORIES,
  type Category,
  categorySchema,
  type Phase,
  SCENARIO_STATUSES,
  type Scenario,
  type ScenarioContext,
  type ScenarioEnv,
  type ScenarioStatus,
} from './scenario.js';
export { describeDeviation, verdictOf } from './verdict.js';
