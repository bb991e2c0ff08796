import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CpuFault,
  cgroupV1Unavailable,
  createFault,
  currentCgroupV1,
} from '../../../src/chaos/faults/index.js';
import { ProcessSampler, ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { busyScript, nodeArgs } from '../process/fixtures.js';
import { faultContext } from './helpers.js';

let supervisor: ProcessSupervisor | undefined;
let fault: CpuFault | undefined;
afterEach(async () => {
  await fault?.revert();
  await supervisor?.stopAll(300);
  fault = undefined;
  supervisor = undefined;
});

function threadCount(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}

/**
 * Average number of this process's threads, other than the main one, that are running or
 * waiting for a core (state R). Unlike CPU time, this does not depend on how busy the
 * shared machine is: a spinning thread is runnable whether or not it gets a core.
 */
async function runnableThreads(samples: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < samples; i++) {
    for (const tid of readdirSync('/proc/self/task')) {
      if (Number(tid) === process.pid) continue;
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        if (stat.charAt(stat.lastIndexOf(')') + 2) === 'R') total++;
      } catch {
        // thread ended
      }
    }
    await sleep(20);
  }
  return total / samples;
}

describe('cpu (workers)', () => {
  it('burns CPU in worker threads and stops them on revert', async () => {
    const threadsBefore = threadCount();
    fault = createFault({ kind: 'cpu', workers: 2, duty: 0.9, period_ms: 50 }) as CpuFault;
    await fault.inject(faultContext());
    expect(fault.workers).toBe(2);
    expect(threadCount()).toBeGreaterThanOrEqual(threadsBefore + 2);
    // Two burners at 0.9 duty: ~1.8 threads runnable on average.
    const during = await runnableThreads(25);
    expect(during).toBeGreaterThan(1.2);

    await fault.revert();
    await fault.revert();
    expect(fault.workers).toBe(0);
    expect(threadCount()).toBeLessThanOrEqual(threadsBefore);
    expect(await runnableThreads(25)).toBeLessThan(during - 1);
  });
});

const noCgroup = await cgroupV1Unavailable('cpu');

describe.skipIf(noCgroup !== null)(
  `cpu (cgroup v1 quota)${noCgroup ? ` — skipped: ${noCgroup}` : ''}`,
  () => {
    it('caps a busy child at its quota and moves it back on revert', async () => {
      supervisor = new ProcessSupervisor();
      const busy = await supervisor.spawn({
        name: 'busy',
        command: process.execPath,
        args: nodeArgs(busyScript),
        ready: { type: 'log', pattern: 'busy' },
      });
      const pid = busy.pid!;
      const originalGroup = await currentCgroupV1(pid, 'cpu');
      fault = createFault(
        { kind: 'cpu', mode: 'cgroup', process: 'busy', quota: 0.1 },
        { processes: supervisor },
      ) as CpuFault;
      await fault.inject(faultContext());
      const group = fault.cgroup!;
      expect(await group.read('cpu.cfs_quota_us')).toBe('10000');
      expect(await currentCgroupV1(pid, 'cpu')).toMatch(/faultline-cpu-/);

      const sampler = new ProcessSampler(pid);
      await sampler.sample();
      await sleep(1000);
      const capped = await sampler.sample();
      // 10 % quota; allow for accounting granularity.
      expect(capped?.cpu_percent).toBeLessThan(20);
      const throttled = Number(/nr_throttled (\d+)/.exec(await group.read('cpu.stat'))?.[1]);
      expect(throttled).toBeGreaterThan(0);

      await fault.revert();
      expect(existsSync(group.dir)).toBe(false);
      expect(await currentCgroupV1(pid, 'cpu')).toBe(originalGroup);
      expect(busy.running).toBe(true);
    });
  },
);
