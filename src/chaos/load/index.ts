export { type ArrivalScheduleOptions, runArrivalSchedule } from './arrival-schedule.js';
export {
  DEFAULT_STABLE_BUCKETS,
  deriveLoadMetrics,
  latencySummary,
  timelinePoint,
} from './derive-metrics.js';
export { HttpLoadSender, type HttpLoadSpec, httpLoadSchema, loadBoundsFields } from './http-load.js';
export type { FaultWindow, LiveLoadStats, LoadRun, RecoveryTolerance } from './load.js';
export {
  type LatencySummary,
  type LoadMetrics,
  latencySummarySchema,
  loadMetricsSchema,
  type TargetMetrics,
  type TimelinePoint,
  targetMetricsSchema,
  timelinePointSchema,
} from './load-metrics.js';
export { BUCKET_MS, type Bucket, type LoadOutcome, LoadRecorder, newHistogram } from './load-recorder.js';
export { errorLabel, type LoadSender, type OpenLoopOptions, OpenLoopRun } from './open-loop-run.js';
export {
  type LoadSpec,
  type LoadSpecInput,
  loadSpecSchema,
  type StartLoadOptions,
  startLoad,
} from './start-load.js';
export {
  type SampledTarget,
  TargetMetricsSampler,
  type TargetSample,
  type TargetSamplerOptions,
} from './target-sampler.js';
export { WsLoadSender, type WsLoadSpec, wsLoadSchema } from './ws-load.js';
