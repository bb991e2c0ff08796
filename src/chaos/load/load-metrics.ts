import { z } from 'zod';

/**
 * What a load run measures, owned by the load generator: the per-100 ms timeline, the latency
 * summary, the totals with the under-fault figures, and the resource peaks of sampled targets.
 * The experiment journal embeds these as `load` and `targets` (docs/journal.md); field names are
 * snake_case, as in the journal. `*_ms` offsets are milliseconds since the run's origin.
 */

export const timelinePointSchema = z.object({
  /** Start of the 100 ms bucket, ms since `started_at`. */
  t_ms: z.number(),
  rps: z.number(),
  error_rate: z.number(),
  p50_ms: z.number(),
  p99_ms: z.number(),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

export const latencySummarySchema = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
  mean: z.number(),
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

export const loadMetricsSchema = z.object({
  requests: z.number(),
  errors: z.number(),
  error_rate: z.number(),
  /** Requests the generator could not send on schedule (open loop: counted, never delayed). */
  dropped: z.number().default(0),
  latency_ms: latencySummarySchema,
  status_codes: z.record(z.string(), z.number()).default({}),
  error_rate_under_fault: z.number().nullable(),
  p99_under_fault_ms: z.number().nullable(),
  /** From the first fault's injection to the first 100 ms bucket that breaks tolerance. */
  time_to_detect_ms: z.number().nullable(),
  /** From the start of the last fault's revert until error rate and p99 are back within tolerance. */
  time_to_recover_ms: z.number().nullable(),
  timeline: z.array(timelinePointSchema),
});
export type LoadMetrics = z.infer<typeof loadMetricsSchema>;

export const targetMetricsSchema = z.object({
  name: z.string(),
  pid: z.number().optional(),
  cpu_percent_max: z.number().nullable(),
  rss_mb_max: z.number().nullable(),
  event_loop_lag_ms_max: z.number().nullable(),
});
export type TargetMetrics = z.infer<typeof targetMetricsSchema>;
