import { z } from 'zod';
import { journalSchema } from '../chaos/experiment/journal.js';
import { SCENARIO_STATUSES } from './scenario.js';

/**
 * The run report: what `--report FILE` writes, and what the HTML, JUnit and terminal reports
 * render. `jq '.results[] | {name: .name, status: .status}' report.json` works as in the seed.
 */

export const scenarioStatusSchema = z.enum(SCENARIO_STATUSES);

export const resultMetricsSchema = z.object({
  requests: z.number().nullable(),
  error_rate: z.number().nullable(),
  error_rate_under_fault: z.number().nullable(),
  p99_ms: z.number().nullable(),
  p99_under_fault_ms: z.number().nullable(),
  time_to_detect_ms: z.number().nullable(),
  time_to_recover_ms: z.number().nullable(),
  /** Share of steady-state probes that met their tolerance, 0..1 (null: none ran). */
  probe_success: z.number().nullable(),
  custom: z.record(z.string(), z.number()).default({}),
});
export type ResultMetrics = z.infer<typeof resultMetricsSchema>;

export const scenarioResultSchema = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  category: z.string(),
  status: scenarioStatusSchema,
  started_at: z.string().nullable(),
  duration_ms: z.number(),
  /** Why it did not pass (failed, error, skipped, not_run). */
  reason: z.string().optional(),
  /** How to provide a missing need (skipped). */
  provide: z.string().optional(),
  seed: z.number().nullable(),
  weight: z.number().default(1),
  hypothesis: z.object({
    before: z.boolean().nullable(),
    after: z.boolean().nullable(),
    /** Share of the checks during the method that met the hypothesis, 0..1 (null: none). */
    during_met_ratio: z.number().nullable(),
  }),
  metrics: resultMetricsSchema,
  journal: journalSchema.nullable(),
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

export const statusCountsSchema = z.object({
  total: z.number(),
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  error: z.number(),
  not_run: z.number(),
  /** Litmus-style resilience score, 0..100 (null when nothing ran). See docs/reports.md. */
  resilience_score: z.number().nullable(),
});
export type StatusCounts = z.infer<typeof statusCountsSchema>;

export const runReportSchema = z.object({
  tool: z.literal('faultline'),
  version: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  duration_ms: z.number(),
  seed: z.number(),
  /** The ENVIRONMENT the run was allowed in. */
  environment: z.string(),
  /** How the run ended: all done, cut by --timeout or --max-failures, or interrupted (Ctrl+C). */
  outcome: z.enum(['completed', 'timeout', 'max_failures', 'interrupted']),
  exit_code: z.number(),
  options: z.record(z.string(), z.unknown()),
  summary: statusCountsSchema.extend({
    by_category: z.record(z.string(), statusCountsSchema),
  }),
  results: z.array(scenarioResultSchema),
});
export type RunReport = z.infer<typeof runReportSchema>;
