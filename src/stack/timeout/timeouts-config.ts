import { z } from 'zod';
import {
  AdaptiveTimeout,
  type AdaptiveTimeoutHooks,
  adaptiveTimeoutOptionsSchema,
} from './adaptive-timeout.js';
import { TimeoutPolicy } from './timeout-policy.js';

const ms = z.number().int().min(1).max(2_147_483_647);

/**
 * The deadlines of a route, as written in a gateway config (per cluster, overridable per route)
 * or passed to `createRoutePolicies`.
 * @example { connectMs: 1000, perTryMs: 2000, overallMs: 5000 }
 * @example { adaptive: { floorMs: 20, ceilingMs: 2000 }, overallMs: 5000 }
 */
export const timeoutsConfigSchema = z
  .object({
    /**
     * TCP connect deadline per connection, in ms (applied by the connection pool, undici's
     * `connect.timeout`, not by a policy).
     * @default 1000
     */
    connectMs: ms.default(1000),
    /**
     * Per try: from sending (connecting included) until the response headers, in ms; 504 and
     * retried on another host. Ignored when `adaptive` is set. A value above `overallMs` leaves
     * only the overall deadline.
     * @default 5000
     */
    perTryMs: ms.default(5000),
    /**
     * The whole request, every try, back-off and queue wait included, until the response is
     * complete, in ms (Envoy's route timeout); past it the client gets 504 (or, mid-body, a
     * closed connection).
     * @default 15000
     */
    overallMs: ms.default(15_000),
    /**
     * Adaptive per-try deadline instead of `perTryMs`: p99 of recent tries × factor, within a
     * floor and a ceiling (the ceiling until enough tries are seen). Off when absent.
     * @example { percentile: 0.99, factor: 1.5, floorMs: 50, ceilingMs: 5000, minSamples: 50 }
     */
    adaptive: adaptiveTimeoutOptionsSchema.optional(),
  })
  .strict();
export type TimeoutsConfig = z.output<typeof timeoutsConfigSchema>;
export type TimeoutsConfigInput = z.input<typeof timeoutsConfigSchema>;

/**
 * A route's overrides of its cluster's timeouts: only the keys given replace the cluster's (no
 * defaults here, or a route setting one key would silently reset the others).
 */
export const timeoutsOverrideSchema = z
  .object({
    /** Ignored on a gateway route: connections belong to the cluster's hosts. */
    connectMs: ms.optional(),
    perTryMs: ms.optional(),
    overallMs: ms.optional(),
    adaptive: adaptiveTimeoutOptionsSchema.optional(),
  })
  .strict();
export type TimeoutsOverride = z.input<typeof timeoutsOverrideSchema>;

export interface Timeouts {
  readonly connectMs: number;
  /** Outermost: the whole request. */
  readonly overall: TimeoutPolicy;
  /** Innermost: one try (fixed, or adaptive when `adaptive` is set). */
  readonly perTry: TimeoutPolicy | AdaptiveTimeout;
}

/** Builds the deadlines a config describes (ZodError names a bad key). */
export function createTimeouts(config: TimeoutsConfigInput = {}, hooks: AdaptiveTimeoutHooks = {}): Timeouts {
  const c = timeoutsConfigSchema.parse(config);
  return {
    connectMs: c.connectMs,
    overall: new TimeoutPolicy({ timeoutMs: c.overallMs, scope: 'overall' }),
    perTry: c.adaptive
      ? new AdaptiveTimeout(c.adaptive, hooks)
      : new TimeoutPolicy({ timeoutMs: c.perTryMs, scope: 'per-try' }),
  };
}
