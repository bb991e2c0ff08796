import { FaultlineError } from '../../common/errors.js';
import { type Pipeline, type Policy, wrap } from './policy.js';

/**
 * The one order of a route's policies, outermost first. Every composition in the stack (the
 * gateway's routes, `createRoutePolicies` for library users, the parts still to come) places
 * its policies by these names, so two parts can never disagree about what runs inside what.
 *
 * - `overall-timeout`: the whole request, every stage below included.
 * - `rate-limit`: refuse over-quota clients first, before they cost anything (`HttpRateLimit`,
 *   keyed on the request each stage is handed).
 * - `cache`: a fresh (or stale-if-error) answer never takes a concurrency slot or reaches an
 *   upstream. The gateway runs its cache here itself, between `outside('cache')` and the rest
 *   (an answer streamed from the cache is not one `fn` call).
 * - `global-concurrency`, `concurrency`: admission, gateway-wide then per route; a request is
 *   admitted once, retries don't queue again.
 * - `breaker`: the route breaker counts whole requests (all tries) and fails fast when open.
 * - `retry`: further tries within the retry budget.
 * - `hedge`: extra concurrent tries of a slow idempotent request.
 * - `per-try-timeout`: one try's deadline; each hedged try gets its own.
 *
 * A new policy joins by adding its name here, at its place (one line), and being passed as a
 * `Stage` (see docs/policies.md, "How a new policy joins the composition").
 */
export const stageOrder = [
  'overall-timeout',
  'rate-limit',
  'cache',
  'global-concurrency',
  'concurrency',
  'breaker',
  'retry',
  'hedge',
  'per-try-timeout',
] as const;
export type StageName = (typeof stageOrder)[number];

/** One named policy of a chain. */
export interface Stage {
  readonly name: StageName;
  readonly policy: Policy;
}

const rank = new Map<StageName, number>(stageOrder.map((name, i) => [name, i]));

/** Two stages with one name: a composition mistake, found when the chain is built. */
export class DuplicateStageError extends FaultlineError {
  constructor(name: string) {
    super('FL_DUPLICATE_STAGE', `two policies for the stage "${name}"`);
  }
}

/** The stages sorted into `stageOrder` (throws DuplicateStageError on a repeated name). */
export function orderStages(stages: readonly Stage[]): Stage[] {
  const seen = new Set<StageName>();
  for (const s of stages) {
    if (seen.has(s.name)) throw new DuplicateStageError(s.name);
    seen.add(s.name);
  }
  return [...stages].sort((a, b) => (rank.get(a.name) as number) - (rank.get(b.name) as number));
}

/** `wrap` of the stages in `stageOrder`, whatever order they are given in. */
export function composeStages(stages: readonly Stage[]): Pipeline {
  return wrap(...orderStages(stages).map((s) => s.policy));
}
