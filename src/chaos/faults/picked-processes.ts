import type { FaultableProcess } from '../process/faultable-process.js';
import type { FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { type ProcessTargetSpec, ProcessTargets } from './process-targets.js';

/**
 * What every `process.*` fault keeps between inject and revert: which of its target processes
 * it picked this time (with the run's seed), and whether the run is being stopped, in which
 * case revert must not start anything again.
 */
export class PickedProcesses {
  private readonly targets: ProcessTargets;
  private signal: AbortSignal | undefined;
  private picked: FaultableProcess[] = [];

  constructor(spec: ProcessTargetSpec, deps: FaultDeps) {
    this.targets = new ProcessTargets(spec, deps);
  }

  /** The processes listed before inject, the ones picked after. */
  get label(): string {
    return this.picked.length > 0 ? this.picked.map((p) => p.name).join(',') : this.targets.label;
  }

  /** true once the run's signal is aborted (emergency stop): revive nothing. */
  get stopping(): boolean {
    return this.signal?.aborted === true;
  }

  /** Picks the processes for this injection and does `act` to all of them at once. */
  async pickAndAct(ctx: FaultContext, act: (p: FaultableProcess) => unknown): Promise<void> {
    this.signal = ctx.signal;
    this.picked = this.targets.pick(ctx.rng);
    await Promise.all(this.picked.map(act));
  }

  /** Hands back the picked processes and forgets them, so a second revert does nothing. */
  take(): FaultableProcess[] {
    const picked = this.picked;
    this.picked = [];
    return picked;
  }
}

/** Starts again those of `processes` that are down (and whose supervisor is still open). */
export async function startStopped(processes: FaultableProcess[]): Promise<void> {
  await Promise.all(processes.filter((p) => !p.running && !p.closed).map((p) => p.start()));
}
