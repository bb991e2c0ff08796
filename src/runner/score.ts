import type { Journal } from '../chaos/experiment/journal.js';
import type { ScenarioResult, StatusCounts } from './run-report.js';

/**
 * Resilience score in the style of LitmusChaos:
 *
 *   score = Σ(weight × probe success %) / Σ weight
 *
 * over the scenarios that ran (passed, failed, error). A scenario's probe success % is the share
 * of steady-state probe results (before, during and after the fault) that met their tolerance;
 * a scenario that errored counts 0 %. Skipped and not-run scenarios carry no evidence and are
 * left out, so a run where nothing ran has no score (null), not 100.
 */

/** Share of the journal's steady-state probes that met their tolerance, 0..1; null if none ran. */
export function probeSuccess(journal: Journal): number | null {
  const checks = [
    journal.steady_states.before,
    ...journal.steady_states.during,
    journal.steady_states.after,
  ].filter((c) => c !== null);
  let total = 0;
  let met = 0;
  for (const check of checks) {
    for (const probe of check.probes) {
      total += 1;
      if (probe.tolerance_met) met += 1;
    }
    // A check without probes still has a verdict; count it as one probe.
    if (check.probes.length === 0) {
      total += 1;
      if (check.met) met += 1;
    }
  }
  return total === 0 ? null : met / total;
}

/** The probe success % a result contributes to the score, or null when it does not count. */
export function scoreOf(result: ScenarioResult): number | null {
  switch (result.status) {
    case 'skipped':
    case 'not_run':
      return null;
    case 'error':
      return 0;
    default:
      // A run with no probes at all is judged by its verdict alone.
      return (result.metrics.probe_success ?? (result.status === 'passed' ? 1 : 0)) * 100;
  }
}

/** Σ(weight × probe success %) / Σ weight over the results that count; null if none does. */
export function resilienceScore(results: readonly ScenarioResult[]): number | null {
  let weighted = 0;
  let weights = 0;
  for (const r of results) {
    const score = scoreOf(r);
    if (score === null) continue;
    weighted += r.weight * score;
    weights += r.weight;
  }
  return weights === 0 ? null : Math.round((weighted / weights) * 10) / 10;
}

export function countStatuses(results: readonly ScenarioResult[]): StatusCounts {
  const counts: StatusCounts = {
    total: results.length,
    passed: 0,
    failed: 0,
    skipped: 0,
    error: 0,
    not_run: 0,
    not_proven: results.filter((r) => r.proof === 'not_proven').length,
    resilience_score: resilienceScore(results),
  };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** Totals for the whole run and per category (categories in first-seen order). */
export function summarize(
  results: readonly ScenarioResult[],
): StatusCounts & { by_category: Record<string, StatusCounts>; by_target: Record<string, StatusCounts> } {
  const byCategory = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    const list = byCategory.get(r.category) ?? [];
    list.push(r);
    byCategory.set(r.category, list);
  }
  const byTarget = new Map<string, ScenarioResult[]>();
  for (const r of results) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  return {
    ...countStatuses(results),
    by_category: Object.fromEntries([...byCategory].map(([c, rs]) => [c, countStatuses(rs)])),
    by_target: Object.fromEntries([...byTarget].map(([t, rs]) => [t, countStatuses(rs)])),
  };
}
