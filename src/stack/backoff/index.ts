export type { Backoff } from './backoff.js';
export { type BackoffConfig, backoffConfigSchema, createBackoff } from './backoff-config.js';
export { ConstantBackoff } from './constant-backoff.js';
export {
  DecorrelatedJitterBackoff,
  type DecorrelatedJitterBackoffOptions,
  decorrelatedJitterBackoffOptionsSchema,
} from './decorrelated-jitter-backoff.js';
export {
  FullJitterBackoff,
  type FullJitterBackoffOptions,
  fullJitterBackoffOptionsSchema,
} from './full-jitter-backoff.js';
