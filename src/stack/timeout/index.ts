export {
  AdaptiveTimeout,
  type AdaptiveTimeoutHooks,
  type AdaptiveTimeoutOptions,
  adaptiveTimeoutOptionsSchema,
} from './adaptive-timeout.js';
export { runWithTimeout } from './run-with-timeout.js';
export { isTimeoutError, TimeoutError, type TimeoutScope } from './timeout-error.js';
export { TimeoutPolicy, type TimeoutPolicyOptions, timeoutPolicyOptionsSchema } from './timeout-policy.js';
export {
  createTimeouts,
  type Timeouts,
  type TimeoutsConfig,
  timeoutsConfigSchema,
} from './timeouts-config.js';
