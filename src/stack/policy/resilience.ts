import { z } from 'zod';
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
import type { AdaptiveTimeout } from '../timeout/adaptive-timeout.js';
import type { TimeoutPolicy } from '../timeout/timeout-policy.js';
import { createTimeouts, timeoutsConfigSchema } from '../timeout/timeouts-config.js';
import type { Clock } from './clock.js';
import { LatencyWindow } from './latency-window.js';
import type { Outcome } from './outcome.js';
import { type Policy, wrap } from './policy.js';

/**
 * Every resilience policy of a route (or an upstream) in one config block; each key is optional
 * and an absent key means "no such policy".
 * @example
 * { concurrency: { limit: { type: 'adaptive' } }, timeouts: { perTryMs: 1000, overallMs: 3000 },
 *   retry: { maxAttempts: 3 }, breaker: { strategy: { type: 'consecutive', threshold: 5 } },
 *   hedge: { percentile: 0.95 } }
 */
export const resilienceConfigSchema = z.object({
  /** Concurrency limit with a bounded queue; sheds with 503 + Retry-After. */
  concurrency: concurrencyConfigSchema.optional(),
  /** Connect, per-try (fixed or adaptive) and overall deadlines. */
  timeouts: timeoutsConfigSchema.optional(),
  /** Retries with back-off and a retry budget. */
  retry: retryConfigSchema.optional(),
  /** Circuit breaker. */
  breaker: circuitBreakerConfigSchema.optional(),
  /** Hedged requests (only for idempotent requests: the gateway decides per request). */
  hedge: hedgePolicyOptionsSchema.optional(),
});
export type ResilienceConfig = z.input<typeof resilienceConfigSchema>;

/** The policies of one route, outermost first. Any may be absent. */
export interface ResilienceParts {
  readonly limiter?: ConcurrencyLimiter;
  readonly overall?: TimeoutPolicy;
  readonly retry?: RetryPolicy;
  readonly breaker?: CircuitBreakerPolicy;
  readonly hedge?: HedgePolicy;
  readonly perTry?: TimeoutPolicy | AdaptiveTimeout;
}

/**
 * Composes route policies in the one order that makes sense:
 * limiter → overall timeout → retry → breaker → hedge → per-try timeout → fn.
 * The limiter admits a request once (retries don't queue again); the overall deadline covers every
 * try and back-off; the breaker counts each try and, once open, makes retries fail fast; each
 * hedged attempt gets its own per-try deadline.
 */
export function composeResilience(parts: ResilienceParts): Policy {
  const chain: Policy[] = [];
  for (const p of [parts.limiter, parts.overall, parts.retry, parts.breaker, parts.hedge, parts.perTry]) {
    if (p) chain.push(p);
  }
  return wrap(...chain);
}

/** Runtime hooks and shared state a config file cannot express. */
export interface ResilienceHooks {
  clock?: Clock;
  /** Forked per policy for jitter; pass the run's seeded RNG to replay a run. */
  random?: SeededRandom;
  /** Request-aware retry decision (idempotency, retryable statuses). */
  shouldRetry?: (outcome: Outcome, ctx: RetryDecisionContext) => boolean;
  /** What counts as a failure for the breaker (e.g. 5xx responses). */
  isFailure?: (outcome: Outcome) => boolean;
  /** One budget per upstream, shared by its routes. */
  retryBudget?: RetryBudget;
  /** One breaker per upstream, shared by its routes; wins over `config.breaker`. */
  breaker?: CircuitBreakerPolicy;
  /** Latency window shared by the adaptive timeout and the hedge (one is made if both are on). */
  latency?: LatencyWindow;
}

export interface Resilience extends ResilienceParts {
  /** The TCP connect deadline for the connection pool, in ms (undefined without `timeouts`). */
  readonly connectMs: number | undefined;
  /** All parts composed by `composeResilience`: for idempotent requests. */
  readonly policy: Policy;
  /** The same chain without retry and hedge: for requests that must not be sent twice. */
  readonly unretriedPolicy: Policy;
  /** `policy` or `unretriedPolicy` for a request (idempotent method or an Idempotency-Key). */
  policyFor(method: string, headers?: Readonly<Record<string, unknown>>): Policy;
}

/** Parses a resilience config (ZodError names the key) and builds its policies. */
export function createResilience(config: ResilienceConfig = {}, hooks: ResilienceHooks = {}): Resilience {
  const c = resilienceConfigSchema.parse(config);
  const random = hooks.random ?? new SeededRandom(freshSeed());
  const adaptive = c.timeouts?.adaptive !== undefined;
  const latency =
    hooks.latency ?? (adaptive && c.hedge ? new LatencyWindow(c.timeouts?.adaptive?.window) : undefined);
  const timeouts = c.timeouts ? createTimeouts(c.timeouts, { clock: hooks.clock, latency }) : undefined;
  const parts: ResilienceParts = {
    limiter: c.concurrency
      ? createConcurrencyLimiter(c.concurrency, { clock: hooks.clock, random: random.fork('concurrency') })
      : undefined,
    overall: timeouts?.overall,
    retry: c.retry
      ? createRetryPolicy(c.retry, {
          shouldRetry: hooks.shouldRetry,
          budget: hooks.retryBudget,
          random: random.fork('retry'),
        })
      : undefined,
    breaker:
      hooks.breaker ??
      (c.breaker
        ? createCircuitBreaker(c.breaker, {
            clock: hooks.clock,
            isFailure: hooks.isFailure,
            random: random.fork('breaker'),
          })
        : undefined),
    // With an adaptive per-try timeout inside it, that timeout records every try into the shared
    // window; the hedge only reads it.
    hedge: c.hedge
      ? new HedgePolicy(c.hedge, { clock: hooks.clock, latency, record: !(adaptive && latency) })
      : undefined,
    perTry: timeouts?.perTry,
  };
  const policy = composeResilience(parts);
  const unretriedPolicy = composeResilience({ ...parts, retry: undefined, hedge: undefined });
  return {
    ...parts,
    connectMs: timeouts?.connectMs,
    policy,
    unretriedPolicy,
    policyFor: (method, headers) => (isIdempotentRequest(method, headers) ? policy : unretriedPolicy),
  };
}
