import { request } from 'undici';
import type { Fault, FaultContext } from '../../chaos/faults/fault.js';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { HarnessError } from './harness-errors.js';
import type { StackInstance } from './reference-stack.js';

export interface HeapGrowthOptions {
  /** MiB added per step. */
  stepMb: number;
  /** Time between steps. */
  everyMs: number;
  /** Stop growing past this many MiB of ballast (the process may die first). */
  maxMb: number;
  /** On revert, start the instance again if its heap limit killed it. @default true */
  revive?: boolean;
}

/**
 * A leak in one reference-service instance: its heap grows step by step through
 * `POST /admin/memory` until the fault is reverted or the process dies of its heap limit
 * (`--max-old-space-size`). Revert releases the ballast, or revives a dead instance.
 */
export class HeapGrowthFault implements Fault {
  readonly kind = 'memory.heap';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  /** performance.now() when the instance died, if it did. */
  diedAt: number | undefined;
  /** Ballast the instance acknowledged last before it died or the fault ended. */
  lastBallastMb = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private exitSub: { dispose(): void } | undefined;
  private readonly proc: ManagedProcess;

  /** @throws HarnessError when Faultline did not start the instance (it must see it exit and revive it). */
  constructor(
    private readonly instance: StackInstance,
    private readonly options: HeapGrowthOptions,
  ) {
    this.name = `heap-growth-${instance.name}`;
    this.target = instance.name;
    this.params = { ...options };
    if (!instance.process)
      throw new HarnessError(`heap growth: ${instance.name} is not a process Faultline started`);
    this.proc = instance.process;
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.stopped = false;
    this.exitSub = this.proc.onExit(() => {
      this.diedAt ??= performance.now();
      this.stop();
    });
    const step = async (): Promise<void> => {
      if (this.stopped || ctx.signal.aborted) return;
      try {
        const res = await request(`${this.instance.directUrl}/admin/memory`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mb: this.options.stepMb }),
          signal: AbortSignal.timeout(5000),
        });
        const body = (await res.body.json()) as { ballast_mb?: number };
        this.lastBallastMb = body.ballast_mb ?? this.lastBallastMb;
      } catch {
        // The instance died under us (or is too busy to answer): the exit hook records it.
      }
      if (this.stopped || this.lastBallastMb >= this.options.maxMb) return;
      this.timer = setTimeout(() => void step(), this.options.everyMs);
    };
    await step();
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async revert(): Promise<void> {
    this.stop();
    this.exitSub?.dispose();
    this.exitSub = undefined;
    const proc = this.proc;
    if (proc.running) {
      const res = await request(`${this.instance.directUrl}/admin/memory`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ release: true }),
        signal: AbortSignal.timeout(5000),
      }).catch(() => undefined);
      await res?.body.dump();
    } else if ((this.options.revive ?? true) && !proc.closed) {
      await proc.start();
    }
  }
}
