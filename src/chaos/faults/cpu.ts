import { z } from 'zod';
import { CgroupLimit } from './cgroup-limit.js';
import type { CgroupV1Group } from './cgroup-v1.js';
import { CpuBurner } from './cpu-burner.js';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { pidTargetFields } from './pid-target.js';

export const cpuFaultSchema = z.object({
  kind: z.literal('cpu'),
  /** @default 'cpu' */
  name: z.string().min(1).default('cpu'),
  /**
   * `workers`: busy threads in this process compete for the cores with everything else.
   * `cgroup` (root, cgroup v1): cap the target's CPU with a CFS quota.
   * @default 'workers'
   */
  mode: z.enum(['workers', 'cgroup']).default('workers'),
  /** Busy threads (workers mode). @default 1 */
  workers: z.number().int().min(1).max(64).default(1),
  /** Share of each period spent spinning, 0..1 (workers mode). @default 0.9 */
  duty: z.number().min(0).max(1).default(0.9),
  /** Duty-cycle period (workers mode). @default 100 */
  period_ms: z.number().int().min(10).max(10_000).default(100),
  ...pidTargetFields,
  /** CPU the target may use, in cores (cgroup mode): 0.1 = 10 % of one core. @default 0.1 */
  quota: z.number().positive().max(1024).default(0.1),
  /** CFS period (cgroup mode). @default 100000 */
  cfs_period_us: z.number().int().min(1000).max(1_000_000).default(100_000),
});
export type CpuFaultSpec = z.output<typeof cpuFaultSchema>;

/**
 * Evidence that a cgroup CPU quota bit (cgroup v1 `cpu.stat`, read just before the release):
 * how many CFS periods the target ran in, and in how many of them it used up its quota.
 */
export interface CpuThrottling {
  /** CFS periods in which the target was runnable. */
  nr_periods: number;
  /** Periods in which it was throttled (its quota used up). */
  nr_throttled: number;
  /** nr_throttled / nr_periods (0 when no period elapsed). */
  throttled_share: number;
  /** Total time it spent throttled, in ms. */
  throttled_ms: number;
}

/** CPU exhaustion: busy worker threads, or a cgroup v1 CPU quota on a target process. */
export class CpuFault implements Fault {
  readonly kind = 'cpu';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly burner = new CpuBurner();
  /** Set in cgroup mode only. */
  private readonly limit: CgroupLimit | undefined;
  /** cgroup mode: the quota's effect, read at revert (undefined before, or if unreadable). */
  throttling: CpuThrottling | undefined;

  constructor(
    private readonly spec: CpuFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    if (spec.mode === 'cgroup') {
      this.limit = new CgroupLimit('cpu', spec, deps);
      this.target = this.limit.target;
      this.params = { mode: 'cgroup', quota: spec.quota, cfs_period_us: spec.cfs_period_us };
    } else {
      this.target = 'self';
      this.params = { mode: 'workers', workers: spec.workers, duty: spec.duty, period_ms: spec.period_ms };
    }
  }

  /** The cgroup made for the target (cgroup mode, while injected). */
  get cgroup(): CgroupV1Group | undefined {
    return this.limit?.cgroup;
  }

  /** Burner threads running (workers mode). */
  get workers(): number {
    return this.burner.running;
  }

  async inject(_ctx: FaultContext): Promise<void> {
    if (this.limit) {
      const quota = Math.max(1000, Math.round(this.spec.quota * this.spec.cfs_period_us));
      await this.limit.apply({ 'cpu.cfs_period_us': this.spec.cfs_period_us, 'cpu.cfs_quota_us': quota });
    } else {
      if (this.burner.running > 0) return;
      await this.burner.start(this.spec.workers, this.spec.duty, this.spec.period_ms);
    }
  }

  async revert(): Promise<void> {
    await this.burner.stop();
    const group = this.limit?.cgroup;
    if (group) this.throttling = await readThrottling(group).catch(() => undefined);
    await this.limit?.release();
  }
}

/** Parses the group's `cpu.stat` (`nr_periods N`, `nr_throttled N`, `throttled_time NS`). */
async function readThrottling(group: CgroupV1Group): Promise<CpuThrottling> {
  const fields = new Map<string, number>();
  for (const line of (await group.read('cpu.stat')).split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value) fields.set(key, Number(value));
  }
  const periods = fields.get('nr_periods') ?? 0;
  const throttled = fields.get('nr_throttled') ?? 0;
  return {
    nr_periods: periods,
    nr_throttled: throttled,
    throttled_share: periods === 0 ? 0 : Math.round((throttled / periods) * 1000) / 1000,
    throttled_ms: Math.round((fields.get('throttled_time') ?? 0) / 1e6),
  };
}
