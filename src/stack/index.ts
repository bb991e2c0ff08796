/** The resilience stack, usable without the chaos engine. */
export type { Policy, PolicyContext } from './policy/policy.js';
export { wrap } from './policy/policy.js';
