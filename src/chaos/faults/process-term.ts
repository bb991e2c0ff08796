import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { PickedProcesses } from './picked-processes.js';
import { processTargetFields } from './process-targets.js';

export const processTermFaultSchema = z.object({
  kind: z.literal('process.term'),
  /** @default 'process.term' */
  name: z.string().min(1).default('process.term'),
  ...processTargetFields,
  /**
   * How long inject waits for the processes to exit after SIGTERM (graceful shutdown under
   * test). Never escalates to SIGKILL: a process that ignores SIGTERM is a finding.
   * @default 5000
   */
  wait_ms: z.number().int().nonnegative().default(5000),
  /** On revert, start them again if they exited (a process still draining is SIGKILLed first). @default true */
  revive: z.boolean().default(true),
});
export type ProcessTermFaultSpec = z.output<typeof processTermFaultSchema>;

/** SIGTERM on spawned processes; revert revives them. */
export class ProcessTermFault implements Fault {
  readonly kind = 'process.term';
  readonly name: string;
  readonly params: Record<string, unknown>;
  private readonly victims: PickedProcesses;

  constructor(
    private readonly spec: ProcessTermFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.victims = new PickedProcesses(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count, wait_ms: spec.wait_ms };
  }

  get target(): string {
    return this.victims.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    await this.victims.pickAndAct(ctx, (p) => p.term(this.spec.wait_ms));
  }

  async revert(): Promise<void> {
    const victims = this.victims.take();
    if (!this.spec.revive || this.victims.stopping) return;
    await Promise.all(
      victims
        .filter((p) => !p.closed)
        .map(async (p) => {
          if (p.running) await p.kill();
          await p.start();
        }),
    );
  }
}
