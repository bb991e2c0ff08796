import { z } from 'zod';
import {
  AdaptiveTimeout,
  type AdaptiveTimeoutHooks,
  adaptiveTimeoutOptionsSchema,
} from './adaptive-timeout.js';
import { TimeoutPolicy } from './timeout-policy.js';

/**
 * The three deadlines of a route, as written in the gateway config.
 * @example { connectMs: 1000, perTryMs: 2000, overallMs: 5000 }
 * @example { perTry: 'adaptive', adaptive: { floorMs: 20, ceilingMs: 2000 } }
 */
export const timeoutsConfigSchema = z
  .object({
    /**
     * TCP connect deadline in ms (applied by the gateway's connection pool, e.g. undici's
     * `connect.timeout`, not by a policy).
     * @default 1000
     */
    connectMs: z.number().positive().default(1000),
    /**
     * Fixed per-try deadline in ms; ignored when `adaptive` is set. Unset = only the overall one.
     */
    perTryMs: z.number().positive().optional(),
    /** Adaptive per-try deadline (p99 × factor within floor and ceiling); wins over perTryMs. */
    adaptive: adaptiveTimeoutOptionsSchema.optional(),
    /**
     * Deadline for the whole request, retries and back-offs included (Envoy's route timeout).
     * @default 15000
     */
    overallMs: z.number().positive().default(15_000),
  })
  .refine((o) => o.perTryMs === undefined || o.perTryMs <= o.overallMs, {
    message: 'perTryMs must be <= overallMs',
    path: ['perTryMs'],
  });
export type TimeoutsConfig = z.input<typeof timeoutsConfigSchema>;

export interface Timeouts {
  readonly connectMs: number;
  /** Wrap outside the retry policy. */
  readonly overall: TimeoutPolicy;
  /** Wrap inside the retry policy; undefined when no per-try deadline is configured. */
  readonly perTry: TimeoutPolicy | AdaptiveTimeout | undefined;
}

/** Builds the deadlines a config describes: `wrap(timeouts.overall, retry, timeouts.perTry)`. */
export function createTimeouts(config: TimeoutsConfig = {}, hooks: AdaptiveTimeoutHooks = {}): Timeouts {
  const c = timeoutsConfigSchema.parse(config);
  let perTry: Timeouts['perTry'];
  if (c.adaptive) perTry = new AdaptiveTimeout(c.adaptive, hooks);
  else if (c.perTryMs !== undefined) perTry = new TimeoutPolicy({ timeoutMs: c.perTryMs, scope: 'per-try' });
  return {
    connectMs: c.connectMs,
    overall: new TimeoutPolicy({ timeoutMs: c.overallMs, scope: 'overall' }),
    perTry,
  };
}
