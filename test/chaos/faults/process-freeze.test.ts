import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createFault } from '../../../src/chaos/faults/index.js';
import { ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { procState } from '../process/fixtures.js';
import { faultContext, spawnHttpChild } from './helpers.js';

let supervisor: ProcessSupervisor;
afterEach(() => supervisor.stopAll(300));

describe('process.freeze', () => {
  it('stops the process (it holds its port but answers nothing) and thaws it on revert', async () => {
    supervisor = new ProcessSupervisor();
    const { child, port } = await spawnHttpChild(supervisor, 'web');
    const fault = createFault({ kind: 'process.freeze', process: 'web' }, { processes: supervisor });
    await fault.inject(faultContext());
    expect(procState(child.pid!)).toBe('T');
    const hung = await request(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(300) }).catch(
      (e: unknown) => e,
    );
    expect((hung as Error).name).toMatch(/TimeoutError|AbortError/);

    await fault.revert();
    await fault.revert();
    expect(procState(child.pid!)).not.toBe('T');
    const res = await request(`http://127.0.0.1:${port}/`);
    expect(await res.body.text()).toBe('ok');
  });
});
