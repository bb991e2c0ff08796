import { afterEach, describe, expect, it } from 'vitest';
import { createFault } from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor, tcpOpen } from '../../../src/chaos/process/index.js';
import { nodeArgs, stubbornScript } from '../process/fixtures.js';
import { faultContext, spawnHttpChild } from './helpers.js';

let supervisor: ProcessSupervisor;
afterEach(() => supervisor.stopAll(300));

describe('process.term', () => {
  it('sends SIGTERM and revives the process on revert', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await spawnHttpChild(supervisor, 'web');
    const fault = createFault({ kind: 'process.term', process: 'web' }, { processes: supervisor });
    await fault.inject(faultContext());
    expect(child.exitInfo?.signal).toBe('SIGTERM');
    expect(await tcpOpen('127.0.0.1', port)).toBe(false);
    await fault.revert();
    expect(await tcpOpen('127.0.0.1', port)).toBe(true);
  });

  it('does not escalate: a process ignoring SIGTERM keeps running until revert', async () => {
    supervisor = new ProcessSupervisor();
    const child = await supervisor.spawn({
      name: 'stubborn',
      command: process.execPath,
      args: nodeArgs(stubbornScript),
      ready: { type: 'log', pattern: 'stubborn' },
    });
    const pid = child.pid;
    const fault = createFault(
      { kind: 'process.term', process: 'stubborn', wait_ms: 200 },
      { processes: supervisor },
    );
    await fault.inject(faultContext());
    expect(child.running).toBe(true);
    expect(child.logs.tail()).toContain('ignoring SIGTERM');
    await fault.revert();
    expect(child.running).toBe(true);
    expect(child.pid).not.toBe(pid);
  });
});
