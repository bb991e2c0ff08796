import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultUnsupportedError } from './errors.js';

/**
 * A cgroup v1 group made for one fault: create it beside the target's current group (a
 * child of it, so limits of a sandbox the target already lives in still apply), move the
 * target in, and on release move it back where it was and remove the group.
 */
export type CgroupController = 'cpu' | 'memory';

export const CGROUP_V1_ROOT = '/sys/fs/cgroup';

let nextGroup = 1;

/** Why cgroup v1 `controller` cannot be used here, or null if it can. */
export async function cgroupV1Unavailable(controller: CgroupController): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'cgroup faults need root';
  try {
    await access(join(CGROUP_V1_ROOT, controller, 'cgroup.procs'));
    return null;
  } catch {
    return `no cgroup v1 "${controller}" hierarchy at ${join(CGROUP_V1_ROOT, controller)}`;
  }
}

/** The pid's group path (e.g. `/` or `/process_api/abc`) in the v1 hierarchy of `controller`. */
export async function currentCgroupV1(pid: number, controller: CgroupController): Promise<string> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes(controller) && path !== undefined) return path;
  }
  throw new FaultUnsupportedError(`pid ${pid} is in no cgroup v1 "${controller}" hierarchy`);
}

export class CgroupV1Group {
  private released = false;

  private constructor(
    readonly controller: CgroupController,
    /** Absolute directory of the group. */
    readonly dir: string,
    /** Absolute directory the target came from. */
    readonly originalDir: string,
    readonly pid: number,
  ) {}

  /** Create the group with `settings` (file → value) written before the pid joins. */
  static async create(
    controller: CgroupController,
    pid: number,
    label: string,
    settings: Record<string, string | number>,
  ): Promise<CgroupV1Group> {
    const why = await cgroupV1Unavailable(controller);
    if (why) throw new FaultUnsupportedError(why);
    const original = join(CGROUP_V1_ROOT, controller, await currentCgroupV1(pid, controller));
    const safeLabel = label.replace(/[^a-zA-Z0-9_.-]/g, '_');
    const dir = join(original, `faultline-${safeLabel}-${process.pid}-${nextGroup++}`);
    await mkdir(dir);
    const group = new CgroupV1Group(controller, dir, original, pid);
    try {
      for (const [file, value] of Object.entries(settings)) await writeFile(join(dir, file), String(value));
      await writeFile(join(dir, 'cgroup.procs'), String(pid));
    } catch (err) {
      await group.release();
      throw err;
    }
    return group;
  }

  async read(file: string): Promise<string> {
    return (await readFile(join(this.dir, file), 'utf8')).trim();
  }

  /** Move every member back to the original group and remove this one. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    let members: string[] = [];
    try {
      members = (await readFile(join(this.dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
    } catch {
      this.released = true; // the group is already gone
      return;
    }
    for (const member of members) {
      try {
        await writeFile(join(this.originalDir, 'cgroup.procs'), member);
      } catch {
        // It exited meanwhile (ESRCH).
      }
    }
    // An exiting process can keep the group busy for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(this.dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 50) throw err;
        await sleep(20);
      }
    }
    this.released = true;
  }
}
