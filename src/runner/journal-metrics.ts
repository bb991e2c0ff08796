import type { Journal } from '../chaos/experiment/journal.js';
import type { ResultMetrics, ScenarioResult } from './run-report.js';
import { probeSuccess } from './score.js';

/** The hypothesis outcomes of a journal, as the report shows them. */
export function hypothesisOf(journal: Journal | null): ScenarioResult['hypothesis'] {
  if (!journal) return { before: null, after: null, during_met_ratio: null };
  const during = journal.steady_states.during;
  return {
    before: journal.steady_states.before?.met ?? null,
    after: journal.steady_states.after?.met ?? null,
    during_met_ratio: during.length === 0 ? null : during.filter((c) => c.met).length / during.length,
  };
}

/** The headline metrics of a journal (load summary, recovery times, custom measurements). */
export function metricsOf(journal: Journal | null): ResultMetrics {
  const load = journal?.metrics.load ?? null;
  return {
    requests: load?.requests ?? null,
    error_rate: load?.error_rate ?? null,
    error_rate_under_fault: load?.error_rate_under_fault ?? null,
    p99_ms: load?.latency_ms.p99 ?? null,
    p99_under_fault_ms: load?.p99_under_fault_ms ?? null,
    time_to_detect_ms: load?.time_to_detect_ms ?? null,
    time_to_recover_ms: load?.time_to_recover_ms ?? null,
    probe_success: journal ? probeSuccess(journal) : null,
    custom: journal?.metrics.custom ?? {},
  };
}
