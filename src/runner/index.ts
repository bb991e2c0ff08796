/**
 * The runner and its result model: the Scenario contract, its isolated context and needs, running
 * scenarios, and the result and run-report model that src/report renders. It knows no scenario:
 * src/suite registers them, src/cli picks them.
 */
export { createScenarioContext, type IsolatedContext, type ScenarioContextOptions } from './context.js';
export { createRunReport, type RunReportInput } from './create-run-report.js';
export { hypothesisOf, metricsOf } from './journal-metrics.js';
export { NEEDS, type Need, type NeedCheck, NeedChecker, type NeedEnv, type NeedResult } from './needs.js';
export { phaseAction } from './phase-action.js';
export { PortAllocator } from './port-allocator.js';
export {
  type ResultMetrics,
  type RunReport,
  runReportSchema,
  type ScenarioResult,
  type StatusCounts,
  scenarioResultSchema,
} from './run-report.js';
export {
  type RunObserver,
  type RunOutcome,
  type RunScenariosOptions,
  type RunScenariosResult,
  runScenarios,
} from './runner.js';
export {
  type BuiltinCategory,
  CATEGORIES,
  type Category,
  categorySchema,
  type Phase,
  SCENARIO_STATUSES,
  type Scenario,
  type ScenarioContext,
  type ScenarioEnv,
  type ScenarioStatus,
  type UserCategory,
  userCategorySchema,
} from './scenario.js';
export {
  defineParams,
  type ParamOverrides,
  paramValues,
  resolveParams,
  type ScenarioParam,
  type ScenarioParamKind,
  type ScenarioParams,
} from './scenario-params.js';
export { probeSuccess, resilienceScore, summarize } from './score.js';
export { describeDeviation, verdictOf } from './verdict.js';
