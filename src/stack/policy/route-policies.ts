import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import { freshSeed, SeededRandom } from '../../common/rng.js';
import { circuitBreakerConfigSchema, createCircuitBreaker } from '../breaker/circuit-breaker-config.js';
import type { CircuitBreakerPolicy } from '../breaker/circuit-breaker-policy.js';
import { concurrencyConfigSchema, createConcurrencyLimiter } from '../concurrency/concurrency-config.js';
import type { ConcurrencyLimiter } from '../concurrency/concurrency-limiter.js';
import { HedgePolicy, hedgePolicyOptionsSchema } from '../hedge/hedge-policy.js';
import { isIdempotentRequest } from '../retry/idempotency.js';
import type { RetryBudget } from '../retry/retry-budget.js';
import { createRetryPolicy, retryConfigSchema } from '../retry/retry-config.js';
import type { RetryDecisionContext, RetryPolicy } from '../retry/retry-policy.js';
import { LatencyWindow } from '../timeout/latency-window.js';
import { createTimeouts, type Timeouts, timeoutsConfigSchema } from '../timeout/timeouts-config.js';
import type { Outcome } from './outcome.js';
import type { Pipeline } from './policy.js';
import { composeStages, orderStages, type Stage, type StageName, stageOrder } from './stages.js';

/**
 * Every resilience policy of one route in one block, each key the schema exported beside its
 * policy. The gateway's cluster and route config compose the same schemas.
 * @example
 * { concurrency: { limit: { type: 'adaptive' } }, timeouts: { perTryMs: 1000, overallMs: 3000 },
 *   retry: { maxRetries: 2 }, breaker: { strategy: { type: 'consecutive', threshold: 5 } },
 *   hedge: { percentile: 0.95 } }
 */
export const routePoliciesConfigSchema = z
  .object({
    /**
     * Connect, per-try (fixed or adaptive) and overall deadlines.
     * @default { connectMs: 1000, perTryMs: 5000, overallMs: 15000 }
     */
    timeouts: timeoutsConfigSchema.default(timeoutsConfigSchema.parse({})),
    /**
     * Retries with back-off and a retry budget (`maxRetries: 0` for none).
     * @default { maxRetries: 2, retryOn: [502, 503, 504], backoff: full jitter 25/250 ms, budget: rate 20 % + 10/s over 10 s }
     */
    retry: retryConfigSchema.default(retryConfigSchema.parse({})),
    /** Concurrency limit with a bounded queue; sheds with 503 + Retry-After. Off when absent. */
    concurrency: concurrencyConfigSchema.optional(),
    /** Circuit breaker around the whole request (all tries). Off when absent. */
    breaker: circuitBreakerConfigSchema.optional(),
    /** Hedged tries of idempotent requests. Off when absent. */
    hedge: hedgePolicyOptionsSchema.optional(),
  })
  .strict();
export type RoutePoliciesConfig = z.output<typeof routePoliciesConfigSchema>;
export type RoutePoliciesConfigInput = z.input<typeof routePoliciesConfigSchema>;

/** Runtime hooks and shared state a config file cannot express. */
export interface RoutePoliciesHooks {
  clock?: Clock;
  /** Forked per policy for jitter; pass the run's seeded RNG to replay a run. */
  random?: SeededRandom;
  /** What may be retried (idempotency, retryable statuses). @default retryErrorsExceptBrokenCircuit */
  shouldRetry?: (outcome: Outcome, ctx: RetryDecisionContext) => boolean;
  /** What the breaker counts as a failure (e.g. 5xx responses). @default thrown errors */
  isFailure?: (outcome: Outcome) => boolean;
  /** One budget per upstream, shared by its routes; wins over `config.retry.budget`. */
  retryBudget?: RetryBudget;
  /** Latency window shared by the adaptive timeout and the hedge (one is made if both are on). */
  latency?: LatencyWindow;
  /**
   * Stages built elsewhere, placed by name among the route's own: a gateway-wide limiter
   * (`global-concurrency`), a rate limiter (`rate-limit`), a cache (`cache`).
   */
  stages?: readonly Stage[];
  /**
   * `stages` (default): the overall and per-try deadlines are stages of the chain. `caller`: they
   * are built (`timeouts.overall`, `timeouts.perTry`) but left out of the chain, and the caller
   * applies them where its exchange needs them (the gateway's overall deadline also covers
   * reading the body and streaming the answer; its per-try deadline starts once a connection
   * slot is held).
   */
  deadlines?: 'stages' | 'caller';
}

/** The policies of one route and their composition. */
export interface RoutePolicies {
  /** Every stage of the chain, outermost first (`stageOrder`). */
  readonly stages: readonly Stage[];
  readonly timeouts: Timeouts;
  readonly limiter: ConcurrencyLimiter | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly retry: RetryPolicy;
  readonly hedge: HedgePolicy | undefined;
  /** Every stage composed: for requests that may be sent twice. */
  readonly policy: Pipeline;
  /** The chain without the named stages (composed once per set of names, then cached). */
  without(...names: StageName[]): Pipeline;
  /**
   * The stages placed before `name` in `stageOrder` (e.g. `outside('cache')`: the rate limit),
   * composed; undefined when there are none. For a caller that runs the `name` stage itself
   * between the two halves (the gateway's cache), with `without(…those names)` inside it.
   */
  outside(name: StageName): Pipeline | undefined;
  /** `policy` for an idempotent request (method or Idempotency-Key), else `without('retry', 'hedge')`. */
  policyFor(method: string, headers?: Readonly<Record<string, unknown>>): Pipeline;
}

/**
 * The one composition of the stack: parses a route's policy config (a ZodError names the bad
 * key), builds each policy from the schema beside it, and composes them, with any shared stages
 * from `hooks.stages`, in `stageOrder`. The gateway builds every route through it.
 */
export function createRoutePolicies(
  config: RoutePoliciesConfigInput = {},
  hooks: RoutePoliciesHooks = {},
): RoutePolicies {
  const c = routePoliciesConfigSchema.parse(config);
  const random = hooks.random ?? new SeededRandom(freshSeed());
  const adaptive = c.timeouts.adaptive !== undefined;
  const latency =
    hooks.latency ?? (adaptive && c.hedge ? new LatencyWindow(c.timeouts.adaptive?.window) : undefined);
  const timeouts = createTimeouts(c.timeouts, { clock: hooks.clock, latency });
  const limiter = c.concurrency
    ? createConcurrencyLimiter(c.concurrency, { clock: hooks.clock, random: random.fork('concurrency') })
    : undefined;
  const breaker = c.breaker
    ? createCircuitBreaker(c.breaker, {
        clock: hooks.clock,
        isFailure: hooks.isFailure,
        random: random.fork('breaker'),
      })
    : undefined;
  const retry = createRetryPolicy(c.retry, {
    shouldRetry: hooks.shouldRetry,
    budget: hooks.retryBudget,
    random: random.fork('retry'),
    clock: hooks.clock,
  });
  // With an adaptive per-try timeout, that timeout records every try into the shared window;
  // the hedge only reads it.
  const hedge = c.hedge
    ? new HedgePolicy(c.hedge, { clock: hooks.clock, latency, record: !(adaptive && latency) })
    : undefined;

  const own: Stage[] = [{ name: 'retry', policy: retry }];
  if (limiter) own.push({ name: 'concurrency', policy: limiter });
  if (breaker) own.push({ name: 'breaker', policy: breaker });
  if (hedge) own.push({ name: 'hedge', policy: hedge });
  if ((hooks.deadlines ?? 'stages') === 'stages') {
    own.push({ name: 'overall-timeout', policy: timeouts.overall });
    own.push({ name: 'per-try-timeout', policy: timeouts.perTry });
  }
  const stages = orderStages([...own, ...(hooks.stages ?? [])]);
  const policy = composeStages(stages);
  const variants = new Map<string, Pipeline>();
  const without = (...names: StageName[]): Pipeline => {
    const key = [...names].sort().join(',');
    let chain = variants.get(key);
    if (!chain) {
      chain = composeStages(stages.filter((s) => !names.includes(s.name)));
      variants.set(key, chain);
    }
    return chain;
  };
  const outside = (name: StageName): Pipeline | undefined => {
    const before = stages.filter((s) => stageOrder.indexOf(s.name) < stageOrder.indexOf(name));
    return before.length > 0 ? composeStages(before) : undefined;
  };
  return {
    stages,
    timeouts,
    limiter,
    breaker,
    retry,
    hedge,
    policy,
    without,
    outside,
    policyFor: (method, headers) =>
      isIdempotentRequest(method, headers) ? policy : without('retry', 'hedge'),
  };
}
