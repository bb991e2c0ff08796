import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { PickedProcesses, startStopped } from './picked-processes.js';
import { processTargetFields } from './process-targets.js';

export const processKillFaultSchema = z.object({
  kind: z.literal('process.kill'),
  /** @default 'process.kill' */
  name: z.string().min(1).default('process.kill'),
  ...processTargetFields,
  /** On revert, start the killed processes again (and wait until ready). @default true */
  revive: z.boolean().default(true),
});
export type ProcessKillFaultSpec = z.output<typeof processKillFaultSchema>;

/** kill -9 on spawned processes (their whole process group); revert revives them. */
export class ProcessKillFault implements Fault {
  readonly kind = 'process.kill';
  readonly name: string;
  readonly params: Record<string, unknown>;
  private readonly victims: PickedProcesses;

  constructor(
    private readonly spec: ProcessKillFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.victims = new PickedProcesses(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count, revive: spec.revive };
  }

  /** The processes listed before inject, the ones chosen after. */
  get target(): string {
    return this.victims.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    await this.victims.pickAndAct(ctx, (p) => p.kill());
  }

  /** Revives unless the run is being stopped (aborted signal, or the supervisor closed). */
  async revert(): Promise<void> {
    const victims = this.victims.take();
    if (!this.spec.revive || this.victims.stopping) return;
    await startStopped(victims);
  }
}
