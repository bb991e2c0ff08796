/**
 * `faultline`: the chaos engine's public API, an explicit list. Experiments (define, parse,
 * validate, run, the journal), faults, probes, the safety controller, processes, the fault proxy,
 * load, the scenario runner and its result model, and the reports. What is not named here is
 * internal. The resilience policies and the gateway are `faultline/stack`; the reference service
 * is `faultline/service`. See docs/architecture.md.
 */

export { type ExperimentIssue, ExperimentValidationError } from './chaos/experiment/experiment-file-error.js';
export {
  type ActionActivity,
  type ActionContext,
  type ActionFunction,
  type Activity,
  type Experiment,
  type ExperimentInput,
  experimentSchema,
  type HypothesisProbe,
  type PauseActivity,
  type ProbeActivity,
  type SteadyStateHypothesis,
} from './chaos/experiment/experiment-schema.js';
export {
  type ActivityRecord,
  type FaultRecord,
  type HypothesisCheck,
  type Journal,
  journalSchema,
  type ProbeResult,
} from './chaos/experiment/journal.js';
export { journalJsonSchema } from './chaos/experiment/journal-json-schema.js';
export {
  defineExperiment,
  loadExperimentFile,
  parseExperimentText,
} from './chaos/experiment/parse-experiment.js';
export { type RunExperimentOptions, runExperiment } from './chaos/experiment/run-experiment.js';
export {
  FaultConfigError,
  FaultRefusedError,
  FaultTargetError,
  FaultUnsupportedError,
  ToxiproxyApiError,
} from './chaos/faults/errors.js';
export type { Fault, FaultContext } from './chaos/faults/fault.js';
export type { FaultDeps } from './chaos/faults/fault-deps.js';
export {
  createFault,
  type FaultKind,
  type FaultSpec,
  type FaultSpecInput,
  faultKinds,
  faultSpecSchema,
} from './chaos/faults/index.js';
export type { ToxicTarget } from './chaos/faults/toxic-target.js';
export { ToxiproxyHttpTarget } from './chaos/faults/toxiproxy-http-target.js';
export type { FaultWindow, LiveLoadStats, LoadRun, RecoveryTolerance } from './chaos/load/load.js';
export {
  type LatencySummary,
  type LoadMetrics,
  loadMetricsSchema,
  type TargetMetrics,
  type TimelinePoint,
} from './chaos/load/load-metrics.js';
export { type LoadSpec, type LoadSpecInput, loadSpecSchema, startLoad } from './chaos/load/start-load.js';
export { type SampledTarget, TargetMetricsSampler } from './chaos/load/target-sampler.js';
export { FunctionProbe, type ProbeFunction } from './chaos/probes/function-probe.js';
export { HttpProbe, type HttpResponseValue } from './chaos/probes/http-probe.js';
export { createProbe, type ProbeSpec, type ProbeSpecInput, probeSpecSchema } from './chaos/probes/index.js';
export { LoadProbe } from './chaos/probes/load-probe.js';
export type { Probe, ProbeContext } from './chaos/probes/probe.js';
export { ProcessProbe } from './chaos/probes/process-probe.js';
export { TcpProbe } from './chaos/probes/tcp-probe.js';
export { meetsTolerance, type Tolerance, toleranceSchema } from './chaos/probes/tolerance.js';
export { freePort } from './chaos/process/free-port.js';
export {
  ManagedProcess,
  type ProcessExit,
  type ProcessSpec,
  processSpecSchema,
} from './chaos/process/managed-process.js';
export { ProcessSupervisor, type ProcessSupervisorOptions } from './chaos/process/process-supervisor.js';
export { isProxyApiError, ProxyApiError, type ProxyErrorKind } from './chaos/proxy/errors.js';
export type { LeaseJson } from './chaos/proxy/lease-registry.js';
export {
  createProxyCollection,
  ProxyCollection,
  type ProxyCollectionOptions,
} from './chaos/proxy/proxy-collection.js';
export { ProxyServer, type ProxyServerOptions, startProxyServer } from './chaos/proxy/proxy-server.js';
export type { ProxyInput, ProxyUpdate, ToxicInput, ToxicUpdate } from './chaos/proxy/schemas.js';
export type { ProxyJson } from './chaos/proxy/tcp-proxy.js';
export type { ToxicJson } from './chaos/proxy/toxic-collection.js';
export { AvailableMemoryCondition } from './chaos/safety/available-memory-condition.js';
export { type EmergencyHandlerOptions, installEmergencyHandlers } from './chaos/safety/emergency-handlers.js';
export type { SafetyCheck } from './chaos/safety/environment-checks.js';
export {
  EmergencyStopError,
  SafetyRefusedError,
  SafetyTimeoutError,
  StopConditionError,
} from './chaos/safety/errors.js';
export { HostCpuCondition } from './chaos/safety/host-cpu-condition.js';
export { ProbeCondition } from './chaos/safety/probe-condition.js';
export { SAFE_ENVIRONMENTS, type SafetyEnv } from './chaos/safety/safety-config.js';
export {
  type EmergencyStopReport,
  type ExperimentBudget,
  type Revertible,
  SafetyController,
  type SafetyControllerOptions,
  type SafetyHandle,
} from './chaos/safety/safety-controller.js';
export type { StopCondition, StopReading } from './chaos/safety/stop-condition.js';
export { FaultlineError, isFaultlineError, UsageError } from './common/errors.js';
export { SeededRandom } from './common/rng.js';
export { renderHtmlReport, writeHtmlReport } from './report/html.js';
export { renderJsonReport, writeJsonReport } from './report/json.js';
export { renderJunitReport, writeJunitReport } from './report/junit.js';
export { reportJsonSchema } from './report/report-json-schema.js';
export { formatSummary, TerminalView, type TerminalViewOptions } from './report/terminal.js';
export { renderTimelineChart } from './report/timeline-chart.js';
export { createScenarioContext, type ScenarioContextOptions } from './runner/context.js';
export { declaredControl, type ScenarioControl, UndeclaredControlError } from './runner/control.js';
export { createRunReport, type RunReportInput } from './runner/create-run-report.js';
export { NEEDS, type Need, NeedChecker } from './runner/needs.js';
export { phaseAction } from './runner/phase-action.js';
export {
  type ResultMetrics,
  type RunReport,
  runReportSchema,
  type ScenarioResult,
  type StatusCounts,
  scenarioResultSchema,
} from './runner/run-report.js';
export {
  type RunObserver,
  type RunOutcome,
  type RunScenariosOptions,
  type RunScenariosResult,
  runScenarios,
} from './runner/runner.js';
export {
  type BuiltinCategory,
  CATEGORIES,
  type Category,
  type Phase,
  type Scenario,
  type ScenarioContext,
  type ScenarioEnv,
  type ScenarioStatus,
  type UserCategory,
  userCategorySchema,
} from './runner/scenario.js';
export {
  defineParams,
  type ParamOverrides,
  paramValues,
  resolveParams,
  type ScenarioParam,
  type ScenarioParamKind,
  type ScenarioParams,
} from './runner/scenario-params.js';
export { probeSuccess, resilienceScore, summarize } from './runner/score.js';
export { scenarios } from './suite/registry.js';
export type { UserScenario } from './suite/user/user-scenario-schema.js';
export { CAPABILITIES, type Capability } from './targets/capability.js';
export { externalTarget } from './targets/external/external-target.js';
export {
  type ExternalTargetFile,
  externalTargetSchema,
} from './targets/external/external-target-schema.js';
export { type ExternalStackFile, loadExternalStackFile } from './targets/external/load-external-target.js';
export { haproxyConfig } from './targets/haproxy-config.js';
export { nginxConfig } from './targets/nginx-config.js';
export type {
  InstanceStartOptions,
  ProvidedInstance,
  RunningTarget,
  Target,
  TargetAdmin,
  TargetInstances,
  TargetStartOptions,
} from './targets/target.js';
export { ExternalTargetFileError } from './targets/target-errors.js';
export { DEFAULT_TARGET, EXTERNAL_PREFIX, TARGET_NAMES, TARGETS, targetNamed } from './targets/targets.js';
