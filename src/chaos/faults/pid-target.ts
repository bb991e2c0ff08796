import { z } from 'zod';
import { FaultConfigError, FaultTargetError } from './errors.js';
import type { FaultDeps } from './fault-deps.js';

/** A single target process for cgroup faults: a supervisor name or a raw pid. */
export const pidTargetFields = {
  /** Supervisor name of the target process. */
  process: z.string().min(1).optional(),
  /** Or a pid (any process; you own the consequences). */
  pid: z.number().int().positive().optional(),
};

/** Resolves at inject time, since a restarted process has a new pid. */
export function resolvePid(
  spec: { name: string; process?: string; pid?: number },
  deps: FaultDeps,
): () => number {
  if (spec.pid !== undefined) {
    const pid = spec.pid;
    return () => pid;
  }
  const name = spec.process;
  if (name === undefined) throw new FaultConfigError(`fault "${spec.name}": give "process" or "pid"`);
  const child = deps.processes?.get(name);
  if (!child) throw new FaultTargetError(`fault "${spec.name}": no process named "${name}"`);
  return () => {
    const pid = child.pid;
    if (pid === undefined)
      throw new FaultTargetError(`fault "${spec.name}": process "${name}" is not running`);
    return pid;
  };
}
