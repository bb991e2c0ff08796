import type { FaultContext } from '../../../src/chaos/faults/index.js';
import { freePort, type ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { httpServerScript, nodeArgs } from '../process/fixtures.js';

export function faultContext(seed = 42, signal: AbortSignal = new AbortController().signal): FaultContext {
  return { rng: new SeededRandom(seed), signal };
}

/** A real HTTP child answering "ok", ready when it answers. */
export async function spawnHttpChild(supervisor: ProcessSupervisor, name: string) {
  const port = await freePort();
  const child = await supervisor.spawn({
    name,
    command: process.execPath,
    args: nodeArgs(httpServerScript, port),
    ready: { type: 'http', url: `http://127.0.0.1:${port}/` },
    kill_grace_ms: 500,
  });
  return { child, port };
}
