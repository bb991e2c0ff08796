import type { SeededRandom } from '../../common/rng.js';

/** Finds the pid of a process the engine spawned, by the name it was registered under. */
export interface ProcessLookup {
  pidOf(name: string): number | undefined;
}

export interface LoadWindowStats {
  requests: number;
  errors: number;
  /** errors / requests over the window (0 when there were no requests). */
  error_rate: number;
  rps: number;
  /** The highest one-second p99 the load generator reported during the window. */
  p99_ms: number;
}

/** The running load, seen over a sliding window. */
export interface LoadWindow {
  stats(windowMs: number): LoadWindowStats;
}

export interface ProbeContext {
  /** Aborted when the run is aborted or interrupted; probes must give up promptly. */
  readonly signal: AbortSignal;
  readonly rng: SeededRandom;
  /** The experiment's load, or null when it has no `load` section. */
  readonly load: LoadWindow | null;
  readonly processes: ProcessLookup;
}

/**
 * The extension point for everything the engine can observe. `run` returns the observed value
 * (the tolerance decides whether it is acceptable) and throws only when it could not observe.
 */
export interface Probe {
  /** Wire name of the kind: `http`, `tcp`, `process`, `load`, `function`. */
  readonly type: string;
  run(ctx: ProbeContext): Promise<unknown>;
}

export function isProbe(value: unknown): value is Probe {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Probe).run === 'function' &&
    typeof (value as Probe).type === 'string'
  );
}
