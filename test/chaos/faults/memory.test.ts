import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cgroupV1Unavailable,
  createFault,
  currentCgroupV1,
  type MemoryFault,
} from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { nodeArgs } from '../process/fixtures.js';
import { faultContext } from './helpers.js';

let supervisor: ProcessSupervisor | undefined;
let fault: MemoryFault | undefined;
afterEach(async () => {
  await fault?.revert();
  await supervisor?.stopAll(300);
  fault = undefined;
  supervisor = undefined;
});

function rssMb(): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
}

describe('memory (allocate)', () => {
  it('grows this process by the requested MiB and gives it back on revert', async () => {
    const before = rssMb();
    fault = createFault({ kind: 'memory', mb: 96 }) as MemoryFault;
    await fault.inject(faultContext());
    expect(fault.allocatedMb).toBe(96);
    const during = rssMb();
    expect(during - before).toBeGreaterThan(80);
    await fault.revert();
    await fault.revert();
    expect(fault.allocatedMb).toBe(0);
    expect(during - rssMb()).toBeGreaterThan(60);
  });

  it('ramps the allocation over ramp_ms', async () => {
    fault = createFault({ kind: 'memory', mb: 32, ramp_ms: 300 }) as MemoryFault;
    const started = performance.now();
    await fault.inject(faultContext());
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(fault.allocatedMb).toBe(32);
  });
});

/** Allocates (and touches) 160 MiB when it receives SIGUSR2. */
const allocateOnSignal = `
const held = [];
process.on('SIGUSR2', () => {
  for (let i = 0; i < 160; i++) { const b = Buffer.allocUnsafeSlow(1 << 20); b.fill(1); held.push(b); }
  console.log('allocated ' + held.length);
});
setInterval(() => {}, 1000);
console.log('ready');
`;

const noCgroup = await cgroupV1Unavailable('memory');

describe.skipIf(noCgroup !== null)(
  `memory (cgroup v1 limit)${noCgroup ? ` — skipped: ${noCgroup}` : ''}`,
  () => {
    async function spawnAllocator(name: string) {
      supervisor ??= new ProcessSupervisor();
      return supervisor.spawn({
        name,
        command: process.execPath,
        args: nodeArgs(allocateOnSignal),
        ready: { type: 'log', pattern: 'ready' },
      });
    }

    it('a child over its limit is OOM-killed', async () => {
      const child = await spawnAllocator('hungry');
      fault = createFault(
        { kind: 'memory', mode: 'cgroup', process: 'hungry', limit_mb: 64 },
        { processes: supervisor },
      ) as MemoryFault;
      await fault.inject(faultContext());
      const group = fault.cgroup!;
      expect(await group.read('memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(await currentCgroupV1(child.pid!, 'memory')).toMatch(/faultline-memory-/);
      child.signal('SIGUSR2');
      const exit = await child.waitForExit(10_000);
      expect(exit?.signal).toBe('SIGKILL');
      expect(child.logs.tail()).not.toContain('allocated 160');
      await fault.revert();
      expect(existsSync(group.dir)).toBe(false);
    });

    it('after revert the same allocation succeeds and the child is back in its group', async () => {
      const child = await spawnAllocator('fed');
      const original = await currentCgroupV1(child.pid!, 'memory');
      fault = createFault(
        { kind: 'memory', mode: 'cgroup', process: 'fed', limit_mb: 64 },
        { processes: supervisor },
      ) as MemoryFault;
      await fault.inject(faultContext());
      const dir = fault.cgroup!.dir;
      await fault.revert();
      expect(existsSync(dir)).toBe(false);
      expect(await currentCgroupV1(child.pid!, 'memory')).toBe(original);
      const allocated = new Promise<void>((resolve) => {
        const sub = child.logs.onLine(({ line }) => {
          if (line === 'allocated 160') {
            sub.dispose();
            resolve();
          }
        });
      });
      child.signal('SIGUSR2');
      await allocated;
      expect(child.running).toBe(true);
    });
  },
);
