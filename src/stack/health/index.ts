export { ActiveHealthChecker, type CheckResult } from './active-health-checker.js';
export {
  type ActiveHealthCheckConfig,
  activeHealthCheckSchema,
  type OutlierDetectionConfig,
  outlierDetectionSchema,
  type SlowStartConfig,
  slowStartSchema,
} from './health-config.js';
export { type HostChangeReason, HostHealth, type HostStateChange, type HostStatus } from './host-health.js';
export { HostSet, type HostSetOptions, type PanicChange } from './host-set.js';
export { OutlierDetector, type RequestOutcome } from './outlier-detector.js';
export { slowStartFactor } from './slow-start.js';
