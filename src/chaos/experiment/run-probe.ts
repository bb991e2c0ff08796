import { errorText } from '../../common/text.js';
import type { Probe, ProbeContext } from '../probes/index.js';
import type { RunClock } from './run-clock.js';

export type ResolvedProbe = Probe;

export interface ProbeRun {
  ok: boolean;
  value?: unknown;
  error?: string;
  at_ms: number;
  duration_ms: number;
}

/** Runs one probe, timing it and turning a throw into `ok: false`. */
export async function runProbe(probe: Probe, ctx: ProbeContext, clock: RunClock): Promise<ProbeRun> {
  const at_ms = clock.nowMs();
  try {
    const value = await probe.run(ctx);
    return { ok: true, value: jsonSafe(value), at_ms, duration_ms: clock.nowMs() - at_ms };
  } catch (err) {
    return { ok: false, error: errorText(err), at_ms, duration_ms: clock.nowMs() - at_ms };
  }
}

/** Values go into a JSON journal: drop what JSON cannot hold (functions, cycles, bigints). */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return s === undefined ? undefined : JSON.parse(s);
  } catch {
    return String(value);
  }
}
