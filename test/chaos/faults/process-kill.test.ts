import { afterEach, describe, expect, it } from 'vitest';
import { createFault, FaultTargetError, ProcessKillFault } from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor, tcpOpen } from '../../../src/chaos/process/index.js';
import { isAlive } from '../process/fixtures.js';
import { faultContext, spawnHttpChild } from './helpers.js';

let supervisor: ProcessSupervisor;
afterEach(() => supervisor.stopAll(500));

describe('process.kill', () => {
  it('kills one process picked with the seed, and revives it on revert', async () => {
    supervisor = new ProcessSupervisor();
    const a = await spawnHttpChild(supervisor, 'a');
    const b = await spawnHttpChild(supervisor, 'b');
    const spec = { kind: 'process.kill', name: 'kill-one', process: ['a', 'b'], pick: 'random' } as const;
    const fault = createFault(spec, { processes: supervisor });
    expect(fault).toBeInstanceOf(ProcessKillFault);
    const pids = { a: a.child.pid!, b: b.child.pid! };

    await fault.inject(faultContext(7));
    const victim = fault.target as 'a' | 'b';
    const survivor = victim === 'a' ? b : a;
    const killed = victim === 'a' ? a : b;
    expect(['a', 'b']).toContain(victim);
    expect(killed.child.exitInfo?.signal).toBe('SIGKILL');
    expect(isAlive(pids[victim])).toBe(false);
    expect(await tcpOpen('127.0.0.1', killed.port)).toBe(false);
    expect(await tcpOpen('127.0.0.1', survivor.port)).toBe(true);

    await fault.revert();
    expect(killed.child.running).toBe(true);
    expect(killed.child.pid).not.toBe(pids[victim]);
    expect(await tcpOpen('127.0.0.1', killed.port)).toBe(true);
    await fault.revert(); // idempotent
  });

  it('picks the same victim for the same seed', async () => {
    supervisor = new ProcessSupervisor();
    for (const n of ['p', 'q', 'r']) await spawnHttpChild(supervisor, n);
    const spec = { kind: 'process.kill', process: ['p', 'q', 'r'], pick: 'random', revive: true } as const;
    const choices: string[] = [];
    for (let i = 0; i < 2; i++) {
      const fault = createFault(spec, { processes: supervisor });
      await fault.inject(faultContext(1234));
      choices.push(fault.target ?? '');
      await fault.revert();
    }
    expect(choices[0]).toBe(choices[1]);
  });

  it('does not revive when the run was aborted (emergency stop)', async () => {
    supervisor = new ProcessSupervisor();
    const { child } = await spawnHttpChild(supervisor, 'solo');
    const fault = createFault({ kind: 'process.kill', process: 'solo' }, { processes: supervisor });
    const controller = new AbortController();
    await fault.inject(faultContext(1, controller.signal));
    controller.abort();
    await fault.revert();
    expect(child.running).toBe(false);
  });

  it('fails at build time for an unknown process', async () => {
    supervisor = new ProcessSupervisor();
    expect(() => createFault({ kind: 'process.kill', process: 'ghost' }, { processes: supervisor })).toThrow(
      FaultTargetError,
    );
  });
});
