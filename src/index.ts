/**
 * Faultline's public TypeScript API. The stack (gateway, breaker, limiter, cache, router) is
 * also published on its own as `faultline/stack` and imports nothing from the chaos engine.
 */

export * from './chaos/experiment/journal.js';
export { FaultlineError, isFaultlineError, UsageError } from './common/errors.js';
export { SeededRandom } from './common/rng.js';
