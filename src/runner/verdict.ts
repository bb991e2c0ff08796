import type { HypothesisCheck, Journal } from '../chaos/experiment/journal.js';
import type { ScenarioStatus } from './scenario.js';

/**
 * The verdict of a finished journal: passed iff the experiment completed and its hypothesis
 * held throughout (not deviated). Everything else is `failed` (or `error` when the engine's time
 * limit stopped it), with a one-line reason.
 */
export function verdictOf(journal: Journal): { status: ScenarioStatus; reason?: string } {
  if (journal.status === 'completed' && !journal.deviated) return { status: 'passed' };
  // Deviated is the common failure; its reason is which check broke, not the engine's summary.
  if (
    journal.status === 'completed' ||
    (journal.status === 'failed' && journal.error?.code === 'FL_DEVIATED')
  ) {
    return { status: 'failed', reason: describeDeviation(journal) };
  }
  // The engine's own time limit (CHAOS_MAX_DURATION) is a time limit like the runner's: error.
  if (journal.status === 'aborted' && journal.error?.code === 'FL_SAFETY_TIMEOUT') {
    return { status: 'error', reason: `exceeded its time limit: ${journal.error.message}` };
  }
  const why = journal.abort_reason ?? journal.error?.message;
  const deviation = journal.deviated ? `; ${describeDeviation(journal)}` : '';
  return { status: 'failed', reason: `experiment ${journal.status}${why ? `: ${why}` : ''}${deviation}` };
}

/** Which steady-state check broke first, and which of its probes missed their tolerance. */
export function describeDeviation(journal: Journal): string {
  const { before, during, after } = journal.steady_states;
  const broken: Array<[string, HypothesisCheck | null | undefined]> = [
    ['before the fault', before && !before.met ? before : null],
    ['during the fault', during.find((c) => !c.met)],
    ['after the fault', after && !after.met ? after : null],
  ];
  for (const [when, check] of broken) {
    if (!check) continue;
    const probes = check.probes
      .filter((p) => !p.tolerance_met)
      .map((p) => (p.error ? `${p.name} (${p.error})` : `${p.name} = ${formatValue(p.value)}`));
    return `steady state not met ${when}${probes.length > 0 ? `: ${probes.join(', ')}` : ''}`;
  }
  return 'hypothesis deviated';
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
