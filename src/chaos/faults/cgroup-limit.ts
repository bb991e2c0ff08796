import { type CgroupController, CgroupV1Group } from './cgroup-v1.js';
import { FaultConfigError } from './errors.js';
import type { FaultDeps } from './fault-deps.js';
import { resolvePid } from './pid-target.js';

/**
 * The `cgroup` mode of the resource faults (`cpu`, `memory`): one target process put in a
 * cgroup v1 group of `controller` with the fault's limits, and moved back on release. The
 * target is resolved at build time (a typo fails early), its pid at apply time (a restarted
 * process has a new one).
 */
export class CgroupLimit {
  /** What the limit acts on, for the journal: the process name or `pid N`. */
  readonly target: string;
  private readonly pid: () => number;
  private group: CgroupV1Group | undefined;

  constructor(
    private readonly controller: CgroupController,
    private readonly spec: { name: string; process?: string; pid?: number },
    deps: FaultDeps,
  ) {
    if (spec.process === undefined && spec.pid === undefined) {
      throw new FaultConfigError(`fault "${spec.name}": cgroup mode needs "process" or "pid"`);
    }
    this.pid = resolvePid(spec, deps);
    this.target = spec.process ?? `pid ${spec.pid}`;
  }

  /** The group made for the target, while applied. */
  get cgroup(): CgroupV1Group | undefined {
    return this.group;
  }

  /** Moves the target into a new group with `settings` (file → value); a no-op while applied. */
  async apply(settings: Record<string, string | number>): Promise<void> {
    if (this.group) return;
    this.group = await CgroupV1Group.create(this.controller, this.pid(), this.spec.name, settings);
  }

  /** Moves the target back and removes the group; a no-op when not applied. */
  async release(): Promise<void> {
    const group = this.group;
    this.group = undefined;
    await group?.release();
  }
}
