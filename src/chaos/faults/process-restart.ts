import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { PickedProcesses, startStopped } from './picked-processes.js';
import { processTargetFields } from './process-targets.js';

export const processRestartFaultSchema = z.object({
  kind: z.literal('process.restart'),
  /** @default 'process.restart' */
  name: z.string().min(1).default('process.restart'),
  ...processTargetFields,
  /** SIGTERM → SIGKILL grace during the restart. @default 2000 */
  grace_ms: z.number().int().nonnegative().default(2000),
});
export type ProcessRestartFaultSpec = z.output<typeof processRestartFaultSchema>;

/**
 * A rolling-deploy style restart: SIGTERM (SIGKILL after the grace), start again, wait until
 * ready. Nothing to undo; revert makes sure the processes are running.
 */
export class ProcessRestartFault implements Fault {
  readonly kind = 'process.restart';
  readonly name: string;
  readonly params: Record<string, unknown>;
  private readonly restarted: PickedProcesses;

  constructor(
    private readonly spec: ProcessRestartFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.restarted = new PickedProcesses(spec, deps);
    this.params = { process: spec.process, pick: spec.pick, count: spec.count, grace_ms: spec.grace_ms };
  }

  get target(): string {
    return this.restarted.label;
  }

  async inject(ctx: FaultContext): Promise<void> {
    await this.restarted.pickAndAct(ctx, (p) => p.restart(this.spec.grace_ms));
  }

  async revert(): Promise<void> {
    const restarted = this.restarted.take();
    if (this.restarted.stopping) return;
    await startStopped(restarted);
  }
}
