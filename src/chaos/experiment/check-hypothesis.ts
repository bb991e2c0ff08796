import { meetsTolerance, type ProbeContext } from '../probes/index.js';
import type { HypothesisCheck, ProbeResult } from './journal.js';
import type { RunClock } from './run-clock.js';
import { type ResolvedProbe, runProbe } from './run-probe.js';

export interface ResolvedHypothesisProbe {
  name: string;
  probe: ResolvedProbe;
  tolerance: Parameters<typeof meetsTolerance>[0];
}

/** Runs every probe of the hypothesis in parallel; met when each ran and met its tolerance. */
export async function checkHypothesis(
  phase: HypothesisCheck['phase'],
  probes: readonly ResolvedHypothesisProbe[],
  ctx: ProbeContext,
  clock: RunClock,
): Promise<HypothesisCheck> {
  const at_ms = clock.nowMs();
  const results: ProbeResult[] = await Promise.all(
    probes.map(async (p) => {
      const r = await runProbe(p.probe, ctx, clock);
      let tolerance_met = false;
      let error = r.error;
      if (r.ok) {
        try {
          tolerance_met = await meetsTolerance(p.tolerance, r.value);
        } catch (err) {
          error = `tolerance threw: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      return {
        name: p.name,
        status: r.ok ? 'succeeded' : 'failed',
        tolerance_met,
        ...(r.value === undefined ? {} : { value: r.value }),
        ...(error === undefined ? {} : { error }),
        at_ms: r.at_ms,
        duration_ms: r.duration_ms,
      } satisfies ProbeResult;
    }),
  );
  return { phase, at_ms, met: results.every((r) => r.tolerance_met), probes: results };
}
