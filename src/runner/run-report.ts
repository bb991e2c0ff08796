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

/**
 * One negative control's run: the scenario with one claimed capability switched off. It must
 * fail; `proven` is true when it did (the claim is proven by this control).
 */
export const controlResultSchema = z.object({
  /** @example 'retries_off' */
  name: z.string(),
  /** The claim of the scenario this control tests. */
  claim: z.string(),
  /** What the control changes in the system under test. */
  change: z.string(),
  /** The scenario's verdict with the capability off: `failed` is what proves the claim. */
  status: scenarioStatusSchema,
  /** Why it failed (the hypothesis it missed), or why it did not. */
  reason: z.string().optional(),
  duration_ms: z.number(),
  seed: z.number().nullable(),
  /** The control failed, as it must: its claim is proven. */
  proven: z.boolean(),
});
export type ControlResult = z.infer<typeof controlResultSchema>;

/**
 * What the negative controls say about a scenario (`--controls`): `proven` when every control
 * failed, `not_proven` when one passed (or errored, or was not run), `no_controls` when the
 * scenario declares none. Absent when controls were not run.
 */
export const proofSchema = z.enum(['proven', 'not_proven', 'no_controls']);
export type Proof = z.infer<typeof proofSchema>;

export const scenarioResultSchema = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  category: z.string(),
  /**
   * The system under test it ran on (`--target`): `faultline` (our gateway), `haproxy`, `nginx`.
   * @default 'faultline'
   */
  target: z.string().default('faultline'),
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
  /**
   * Settings of the scenario's gateway config the target could not express (e.g. "retry.budget:
   * HAProxy has no retry budget"); absent when it expressed them all or did not start.
   */
  unsupported: z.array(z.string()).optional(),
  /** With `--controls`: whether the negative controls prove the scenario's claims. */
  proof: proofSchema.optional(),
  /** With `--controls`: one entry per negative control, in declaration order. */
  controls: z.array(controlResultSchema).optional(),
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

export const statusCountsSchema = z.object({
  total: z.number(),
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  error: z.number(),
  not_run: z.number(),
  /** Scenarios whose negative controls did not all fail (`--controls`); 0 without controls. */
  not_proven: z.number(),
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
    /** Per target (`--target`), in the order given: its counts and resilience score. */
    by_target: z.record(z.string(), statusCountsSchema).default({}),
  }),
  /** The targets the run selected, in order (`--target`). @default ['faultline'] */
  targets: z.array(z.string()).default(['faultline']),
  results: z.array(scenarioResultSchema),
});
export type RunReport = z.infer<typeof runReportSchema>;
