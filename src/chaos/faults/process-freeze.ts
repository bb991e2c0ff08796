import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { PickedProcesses } from './picked-processes.js';
import { processTargetFields } from './process-targets.js';

export const processFreezeFaultSchema = z.object({
  kind: z.literal('process.freeze'),
  /** @default 'process.freeze' */
  name: z.string().min(1).default('process.freeze'),
  ...processTargetFields,
});
export type ProcessFreezeFaultSpec = z.output<typeof processFreezeFaultSchema>;

/**
 * SIGSTOP on spawned processes (their whole group): they hold their sockets open but answer
 * nothing, like a long GC pause or a hung host. Revert sends SIGCONT.
 */
export class ProcessFreezeFault implements Fault {
  readonly kind = 'process.freeze';
  readonly name: string;
  readonly params: Record<string, unknown>;
  private readonly frozen: PickedProcesses;

  constructor(spec: ProcessFreezeFaultSpec, deps: FaultDeps) {
    this.name = spec.name;
    this.frozen = new PickedProcesses(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count };
  }

  get target(): string {
    return this.frozen.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    await this.frozen.pickAndAct(ctx, (p) => p.freeze());
  }

  /** Thaws even when the run is being stopped: a frozen process must not outlive the run. */
  async revert(): Promise<void> {
    for (const p of this.frozen.take()) p.cont();
  }
}
