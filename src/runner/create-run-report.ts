import type { RunReport, ScenarioResult } from './run-report.js';
import { summarize } from './score.js';

export interface RunReportInput {
  version: string;
  startedAt: Date;
  endedAt: Date;
  seed: number;
  environment: string;
  outcome: RunReport['outcome'];
  exitCode: number;
  options: Record<string, unknown>;
  results: ScenarioResult[];
  /** The targets the run selected, in order. @default the targets of the results */
  targets?: string[];
}

/** Assembles the run report (summary and per-category scores included) from the results. */
export function createRunReport(input: RunReportInput): RunReport {
  return {
    tool: 'faultline',
    version: input.version,
    started_at: input.startedAt.toISOString(),
    ended_at: input.endedAt.toISOString(),
    duration_ms: input.endedAt.getTime() - input.startedAt.getTime(),
    seed: input.seed,
    environment: input.environment,
    outcome: input.outcome,
    exit_code: input.exitCode,
    options: input.options,
    summary: summarize(input.results),
    targets: input.targets ?? [...new Set(input.results.map((r) => r.target))],
    results: input.results,
  };
}
