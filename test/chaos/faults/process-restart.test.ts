import { afterEach, describe, expect, it } from 'vitest';
import { createFault } from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor, tcpOpen } from '../../../src/chaos/process/index.js';
import { isAlive } from '../process/fixtures.js';
import { faultContext, spawnHttpChild } from './helpers.js';

let supervisor: ProcessSupervisor;
afterEach(() => supervisor.stopAll(300));

describe('process.restart', () => {
  it('replaces the process with a new one that is ready; revert leaves it running', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await spawnHttpChild(supervisor, 'web');
    const before = child.pid!;
    const exits: unknown[] = [];
    child.onExit((e) => exits.push(e.signal));
    const fault = createFault({ kind: 'process.restart', process: 'web' }, { processes: supervisor });
    await fault.inject(faultContext());
    expect(exits).toEqual(['SIGTERM']);
    expect(isAlive(before)).toBe(false);
    expect(child.pid).not.toBe(before);
    expect(await tcpOpen('127.0.0.1', port)).toBe(true);
    const after = child.pid;
    await fault.revert();
    expect(child.pid).toBe(after);
  });
});
