import { z } from 'zod';
import type { ManagedProcess } from '../process/managed-process.js';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { ProcessTargets, processTargetFields } from './process-targets.js';

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
  private readonly targets: ProcessTargets;
  private signal: AbortSignal | undefined;
  private victims: ManagedProcess[] = [];

  constructor(
    private readonly spec: ProcessKillFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.targets = new ProcessTargets(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count, revive: spec.revive };
  }

  /** The processes listed before inject, the ones chosen after. */
  get target(): string {
    return this.victims.length > 0 ? this.victims.map((p) => p.name).join(',') : this.targets.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.signal = ctx.signal;
    this.victims = this.targets.pick(ctx.rng);
    await Promise.all(this.victims.map((p) => p.kill()));
  }

  /** Revives unless the run is being stopped (aborted signal, or the supervisor closed). */
  async revert(): Promise<void> {
    const victims = this.victims;
    this.victims = [];
    if (!this.spec.revive || this.signal?.aborted) return;
    await Promise.all(victims.filter((p) => !p.running && !p.closed).map((p) => p.start()));
  }
}
