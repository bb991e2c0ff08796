export {
  AdaptiveTimeout,
  type AdaptiveTimeoutHooks,
  type AdaptiveTimeoutOptions,
  adaptiveTimeoutOptionsSchema,
} from './adaptive-timeout.js';
export { LatencyWindow, type LatencyWindowOptions, latencyWindowOptionsSchema } from './latency-window.js';
export { runWithTimeout } from './run-with-timeout.js';
export { isTimeoutError, TimeoutError, type TimeoutScope } from './timeout-error.js';
export { TimeoutPolicy, type TimeoutPolicyOptions, timeoutPolicyOptionsSchema } from './timeout-policy.js';
export {
  createTimeouts,
  type Timeouts,
  type TimeoutsConfig,
  type TimeoutsConfigInput,
  type TimeoutsOverride,
  timeoutsConfigSchema,
  timeoutsOverrideSchema,
} from './timeouts-config.js';
export { TryDeadline } from './try-deadline.js';
