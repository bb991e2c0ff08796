import { z } from 'zod';
import { CgroupLimit } from './cgroup-limit.js';
import type { CgroupV1Group } from './cgroup-v1.js';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { MemoryHog } from './memory-hog.js';
import { pidTargetFields } from './pid-target.js';

export const memoryFaultSchema = z.object({
  kind: z.literal('memory'),
  /** @default 'memory' */
  name: z.string().min(1).default('memory'),
  /**
   * `allocate`: grow this process's memory by `mb` (a worker thread allocates and touches it).
   * `cgroup` (root, cgroup v1): cap the target process's memory at `limit_mb`; allocations
   * beyond it are reclaimed or end in the OOM killer.
   * @default 'allocate'
   */
  mode: z.enum(['allocate', 'cgroup']).default('allocate'),
  /** MiB to allocate (allocate mode). @default 256 */
  mb: z.number().int().min(1).max(65_536).default(256),
  /** Spread the allocation over this long (allocate mode); 0 = at once. @default 0 */
  ramp_ms: z.number().int().nonnegative().default(0),
  ...pidTargetFields,
  /** Memory limit (cgroup mode). Memory the target holds before joining stays charged elsewhere. @default 256 */
  limit_mb: z.number().int().min(4).max(1_048_576).default(256),
});
export type MemoryFaultSpec = z.output<typeof memoryFaultSchema>;

/** Memory pressure: allocate in our own process, or a cgroup v1 memory limit on a target. */
export class MemoryFault implements Fault {
  readonly kind = 'memory';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly hog = new MemoryHog();
  /** Set in cgroup mode only. */
  private readonly limit: CgroupLimit | undefined;

  constructor(
    private readonly spec: MemoryFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    if (spec.mode === 'cgroup') {
      this.limit = new CgroupLimit('memory', spec, deps);
      this.target = this.limit.target;
      this.params = { mode: 'cgroup', limit_mb: spec.limit_mb };
    } else {
      this.target = 'self';
      this.params = { mode: 'allocate', mb: spec.mb, ramp_ms: spec.ramp_ms };
    }
  }

  get cgroup(): CgroupV1Group | undefined {
    return this.limit?.cgroup;
  }

  /** MiB held by the allocator (allocate mode). */
  get allocatedMb(): number {
    return this.hog.mb;
  }

  async inject(ctx: FaultContext): Promise<void> {
    if (this.limit) {
      await this.limit.apply({ 'memory.limit_in_bytes': this.spec.limit_mb * 1024 * 1024 });
    } else {
      if (this.hog.active) return;
      await this.hog.start(this.spec.mb, this.spec.ramp_ms, ctx.signal);
    }
  }

  async revert(): Promise<void> {
    await this.hog.stop();
    await this.limit?.release();
  }
}
