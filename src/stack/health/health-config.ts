import { z } from 'zod';

/** Active HTTP health checks, HAProxy-style (`inter`, `rise`, `fall`). */
export const activeHealthCheckSchema = z
  .object({
    /**
     * Path requested on each host.
     * @default "/healthz"
     */
    path: z.string().startsWith('/', { error: 'expected a path starting with /' }).default('/healthz'),
    /**
     * Time between two checks of one host, in ms (HAProxy `inter`).
     * @default 2000
     */
    intervalMs: z.number().int().min(5).default(2000),
    /**
     * A check that has no response within this many ms fails.
     * @default 1000
     */
    timeoutMs: z.number().int().min(1).default(1000),
    /**
     * Statuses that count as passing. Default: any 2xx.
     * @example [200, 204]
     */
    expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    /**
     * Consecutive passes that bring an unhealthy host back (HAProxy `rise`).
     * @default 2
     */
    rise: z.number().int().min(1).default(2),
    /**
     * Consecutive failures that take a healthy host out (HAProxy `fall`).
     * @default 3
     */
    fall: z.number().int().min(1).default(3),
  })
  .strict();
export type ActiveHealthCheckConfig = z.infer<typeof activeHealthCheckSchema>;

/** Passive outlier detection, after Envoy's (same defaults). */
export const outlierDetectionSchema = z
  .object({
    /**
     * Consecutive 5xx responses that eject a host; 0 turns the check off.
     * @default 5
     */
    consecutive5xx: z.number().int().min(0).default(5),
    /**
     * Consecutive gateway failures (connect errors, resets, timeouts) that eject a host; 0 = off.
     * @default 5
     */
    consecutiveGatewayFailure: z.number().int().min(0).default(5),
    /**
     * How often success rates are evaluated and times-ejected decays, in ms.
     * @default 10000
     */
    intervalMs: z.number().int().min(10).default(10_000),
    /**
     * First ejection lasts this long; the n-th lasts n times as long.
     * @default 30000
     */
    baseEjectionMs: z.number().int().min(1).default(30_000),
    /**
     * Cap on one ejection's length.
     * @default 300000
     */
    maxEjectionMs: z.number().int().min(1).default(300_000),
    /**
     * At most this share of a cluster's hosts is ejected at once (one host always may be).
     * @default 10
     */
    maxEjectionPercent: z.number().min(0).max(100).default(10),
    /**
     * Success-rate ejection: hosts whose success rate over the last interval falls below
     * mean − stdevFactor·σ are ejected. Off when absent.
     */
    successRate: z
      .object({
        /** @default 5 */
        minHosts: z.number().int().min(1).default(5),
        /** Requests a host needs in the interval to be judged. @default 100 */
        minRequests: z.number().int().min(1).default(100),
        /** @default 1.9 */
        stdevFactor: z.number().min(0).default(1.9),
      })
      .strict()
      .optional(),
  })
  .strict();
export type OutlierDetectionConfig = z.infer<typeof outlierDetectionSchema>;

/** Slow start: a host that comes back gets a weight that ramps linearly over a window. */
export const slowStartSchema = z
  .object({
    /**
     * Length of the ramp in ms; 0 turns slow start off.
     * @default 0
     */
    windowMs: z.number().int().min(0).default(0),
    /**
     * Weight share a host starts the ramp with, in percent.
     * @default 10
     */
    minWeightPercent: z.number().min(1).max(100).default(10),
  })
  .strict();
export type SlowStartConfig = z.infer<typeof slowStartSchema>;
