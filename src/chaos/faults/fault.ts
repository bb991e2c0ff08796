import type { SeededRandom } from '../../common/rng.js';

/**
 * The extension point for everything the engine can break. One file per implementation in
 * this folder, registered in `index.ts`. The safety controller holds every injected fault
 * and calls `revert()` on time-to-live expiry, rollback and emergency stop.
 */
export interface FaultContext {
  /** This fault's own random stream (forked from the run's seed by the fault's name). */
  readonly rng: SeededRandom;
  /** Aborted on emergency stop; long-running injections must stop promptly. */
  readonly signal: AbortSignal;
}

export interface Fault {
  /** Wire name of the kind, e.g. `toxic`, `process.kill`, `cpu`, `memory`, `connections`. */
  readonly kind: string;
  /** Human name, unique within an experiment. */
  readonly name: string;
  /** What it acts on (a proxy name, a process name, a URL), for the journal. */
  readonly target?: string;
  /** The parameters it was built from, for the journal. */
  readonly params: Record<string, unknown>;
  inject(ctx: FaultContext): Promise<void>;
  /** Idempotent: reverting twice, or a fault never injected, is a no-op. Never throws for "already gone". */
  revert(): Promise<void>;
}

/** True for an object that implements `Fault` (an instance handed to an experiment instead of a spec). */
export function isFault(value: unknown): value is Fault {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Fault).inject === 'function' &&
    typeof (value as Fault).revert === 'function' &&
    typeof (value as Fault).kind === 'string'
  );
}
