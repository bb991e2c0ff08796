import { z } from 'zod';
import type { ManagedProcess } from '../process/managed-process.js';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { ProcessTargets, processTargetFields } from './process-targets.js';

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
  private readonly targets: ProcessTargets;
  private frozen: ManagedProcess[] = [];

  constructor(spec: ProcessFreezeFaultSpec, deps: FaultDeps) {
    this.name = spec.name;
    this.targets = new ProcessTargets(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count };
  }

  get target(): string {
    return this.frozen.length > 0 ? this.frozen.map((p) => p.name).join(',') : this.targets.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.frozen = this.targets.pick(ctx.rng);
    await Promise.all(this.frozen.map((p) => p.freeze()));
  }

  async revert(): Promise<void> {
    const frozen = this.frozen;
    this.frozen = [];
    for (const p of frozen) p.cont();
  }
}
