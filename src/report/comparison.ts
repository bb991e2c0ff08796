import type { RunReport, ScenarioResult } from '../runner/run-report.js';
import { formatMs, formatRate, formatScore } from './format.js';

/** One scenario across the run's targets. */
export interface ComparisonRow {
  id: string;
  category: string;
  name: string;
  /** Its result on each target (by target name); absent where it was not part of the run. */
  cells: Record<string, ScenarioResult | undefined>;
}

/**
 * The side-by-side view of a multi-target run (`--target A --target B`): scenario × target with
 * the verdict and key measurements, and a resilience score per target. Rendered by the
 * terminal, HTML and JUnit reports and used for docs/targets.md.
 */
export interface Comparison {
  /** In the order the run selected them. */
  targets: string[];
  /** Scenarios in first-seen order. */
  rows: ComparisonRow[];
  /** Resilience score per target (null: nothing counted there). */
  scores: Record<string, number | null>;
  /**
   * Per target, how many of the scenarios actually ran there (not skipped or not run): a score
   * over 2 of 7 scenarios says less than one over 7 of 7.
   */
  ran: Record<string, { ran: number; of: number }>;
}

/** Whether the report holds more than one target (or a single one other than faultline). */
export function isComparison(report: Pick<RunReport, 'targets' | 'results'>): boolean {
  const targets = targetsOf(report);
  return targets.length > 1 || (targets.length === 1 && targets[0] !== 'faultline');
}

function targetsOf(report: Pick<RunReport, 'targets' | 'results'>): string[] {
  return report.targets.length > 0 ? report.targets : [...new Set(report.results.map((r) => r.target))];
}

export function comparisonOf(report: Pick<RunReport, 'targets' | 'results' | 'summary'>): Comparison {
  const rows = new Map<string, ComparisonRow>();
  for (const r of report.results) {
    const row = rows.get(r.id) ?? { id: r.id, category: r.category, name: r.name, cells: {} };
    row.cells[r.target] = r;
    rows.set(r.id, row);
  }
  const targets = targetsOf(report);
  return {
    targets,
    rows: [...rows.values()],
    scores: Object.fromEntries(
      targets.map((t) => [t, report.summary.by_target?.[t]?.resilience_score ?? null]),
    ),
    ran: Object.fromEntries(
      targets.map((t) => {
        const mine = report.results.filter((r) => r.target === t);
        const ran = mine.filter((r) => r.status !== 'skipped' && r.status !== 'not_run').length;
        return [t, { ran, of: mine.length }];
      }),
    ),
  };
}

/** `100 (7 of 7 ran)`: a target's score with its coverage. */
export function scoreWithCoverage(c: Comparison, target: string): string {
  const ran = c.ran[target] ?? { ran: 0, of: 0 };
  return `${formatScore(c.scores[target])} (${ran.ran} of ${ran.of} ran)`;
}

/**
 * The key measurements of a result, short (`err 0% · p99 412 ms · detect 0.8 s · recover 1.2 s`),
 * each only when the scenario recorded it; the skip or failure reason is not included.
 */
export function keyMeasurements(r: ScenarioResult): string {
  const m = r.metrics;
  const parts: string[] = [];
  if (m.error_rate_under_fault !== null) parts.push(`err ${formatRate(m.error_rate_under_fault)}`);
  const p99 = m.p99_under_fault_ms ?? m.p99_ms;
  if (p99 !== null) parts.push(`p99 ${formatMs(p99)}`);
  if (m.time_to_detect_ms !== null) parts.push(`detect ${formatMs(m.time_to_detect_ms)}`);
  if (m.time_to_recover_ms !== null) parts.push(`recover ${formatMs(m.time_to_recover_ms)}`);
  return parts.join(' · ');
}

const VERDICT: Record<ScenarioResult['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  error: 'ERROR',
  skipped: 'SKIP',
  not_run: 'NOT RUN',
};

/** A result as one table cell: verdict, then its measurements (or, skipped, the capability it lacks). */
export function cellText(r: ScenarioResult | undefined): string {
  if (!r) return '';
  if (r.status === 'skipped' || r.status === 'not_run') {
    const lacks = /^needs (\w+) on /.exec(r.reason ?? '')?.[1];
    return `${VERDICT[r.status]}${lacks ? ` (no ${lacks})` : r.provide ? ' (not installed)' : ''}`;
  }
  const m = keyMeasurements(r);
  return m ? `${VERDICT[r.status]} ${m}` : VERDICT[r.status];
}

/** The comparison as a Markdown table (docs/targets.md), with a score row. */
export function comparisonMarkdown(c: Comparison): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| scenario | ${c.targets.join(' | ')} |`,
    `|---|${c.targets.map(() => '---').join('|')}|`,
    ...c.rows.map(
      (row) =>
        `| ${row.category}/${row.name} | ${c.targets.map((t) => esc(cellText(row.cells[t]))).join(' | ')} |`,
    ),
    `| **resilience score** | ${c.targets.map((t) => `**${formatScore(c.scores[t])}**`).join(' | ')} |`,
    `| scenarios run | ${c.targets.map((t) => `${c.ran[t]?.ran ?? 0} of ${c.ran[t]?.of ?? 0}`).join(' | ')} |`,
  ];
  return `${lines.join('\n')}\n`;
}
