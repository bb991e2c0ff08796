import { z } from 'zod';
import { loadMetricsSchema, targetMetricsSchema } from '../load/load-metrics.js';

/**
 * The journal: one JSON document per experiment run. It is the contract between the engine
 * (which writes it), the runner (which embeds it in `results[].journal`) and the reports
 * (which chart it). Field names are snake_case, as in Chaos Toolkit's journal.
 *
 * Times: ISO-8601 strings for wall-clock instants; `*_ms` offsets are milliseconds since the
 * journal's `started_at`, so charts need no clock arithmetic.
 */

export const probeResultSchema = z.object({
  name: z.string(),
  /** Whether the probe itself ran (`failed` = it threw). */
  status: z.enum(['succeeded', 'failed']),
  /** Whether its value met the tolerance. A failed probe never meets it. */
  tolerance_met: z.boolean(),
  value: z.unknown().optional(),
  error: z.string().optional(),
  at_ms: z.number(),
  duration_ms: z.number(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

export const hypothesisCheckSchema = z.object({
  phase: z.enum(['before', 'during', 'after']),
  at_ms: z.number(),
  met: z.boolean(),
  probes: z.array(probeResultSchema),
});
export type HypothesisCheck = z.infer<typeof hypothesisCheckSchema>;

export const activityRecordSchema = z.object({
  name: z.string(),
  type: z.enum(['action', 'probe', 'pause']),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  background: z.boolean().default(false),
  start_ms: z.number(),
  end_ms: z.number(),
  duration_ms: z.number(),
  output: z.unknown().optional(),
  error: z.string().optional(),
});
export type ActivityRecord = z.infer<typeof activityRecordSchema>;

export const faultRecordSchema = z.object({
  id: z.string(),
  /** Fault kind, e.g. `toxic`, `process.kill`, `cpu`, `memory`, `connections`, `latency_ramp`, `redis.corrupt`. */
  kind: z.string(),
  name: z.string(),
  target: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  injected_at: z.string(),
  injected_ms: z.number(),
  reverted_at: z.string().nullable(),
  /**
   * When its revert began. The fault's window ends here: a revert that takes time (a process
   * restart) is part of the recovery that `time_to_recover_ms` measures, not of the fault.
   */
  revert_started_ms: z.number().nullable().default(null),
  /** When its revert settled. */
  reverted_ms: z.number().nullable(),
  /** Why it was reverted: its own end, its time to live, a rollback, an emergency stop, or never. */
  revert_reason: z.enum(['completed', 'ttl', 'rollback', 'emergency', 'error']).nullable(),
  error: z.string().optional(),
});
export type FaultRecord = z.infer<typeof faultRecordSchema>;

export const journalSchema = z.object({
  schema_version: z.literal(1),
  title: z.string(),
  description: z.string().optional(),
  category: z.string().optional(),
  tags: z.array(z.string()).default([]),
  /** The seed every random choice came from; rerun with it to replay. */
  seed: z.number(),
  status: z.enum(['completed', 'failed', 'aborted', 'interrupted']),
  /** The hypothesis was not met during or after the method. */
  deviated: z.boolean(),
  started_at: z.string(),
  ended_at: z.string(),
  duration_ms: z.number(),
  steady_states: z.object({
    before: hypothesisCheckSchema.nullable(),
    during: z.array(hypothesisCheckSchema),
    after: hypothesisCheckSchema.nullable(),
  }),
  run: z.array(activityRecordSchema),
  rollbacks: z.array(activityRecordSchema),
  faults: z.array(faultRecordSchema),
  metrics: z.object({
    load: loadMetricsSchema.nullable(),
    targets: z.array(targetMetricsSchema).default([]),
    /** Scenario-specific measurements (e.g. `ejection_ms`, `lost_writes`). */
    custom: z.record(z.string(), z.number()).default({}),
  }),
  /** Why the run was aborted or interrupted (safety guard, time limit, signal). */
  abort_reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type Journal = z.infer<typeof journalSchema>;
