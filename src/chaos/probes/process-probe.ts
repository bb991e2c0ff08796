import { z } from 'zod';
import type { Probe, ProbeContext } from './probe.js';

export const processProbeSpecSchema = z
  .object({
    type: z.literal('process'),
    /** A pid to check. */
    pid: z.number().int().positive().optional(),
    /** The name a spawned process was registered under with the safety controller. */
    name: z.string().min(1).optional(),
  })
  .refine((s) => (s.pid === undefined) !== (s.name === undefined), {
    message: 'expected exactly one of pid or name',
  });
export type ProcessProbeSpec = z.output<typeof processProbeSpecSchema>;

/** Whether a process is alive (signal 0). A name no longer registered counts as not alive. */
export class ProcessProbe implements Probe {
  readonly type = 'process';

  constructor(readonly spec: ProcessProbeSpec) {}

  async run(ctx: ProbeContext): Promise<unknown> {
    const pid = this.spec.pid ?? ctx.processes.pidOf(this.spec.name ?? '');
    return pid !== undefined && isAlive(pid);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
