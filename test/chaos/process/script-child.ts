import { freePort, type ManagedProcess, type ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { nodeArgs } from './fixtures.js';

/** A `node -e script` child of `supervisor`, ready once it logs a line with `readyLog` (or matching it). */
export function spawnScriptChild(
  supervisor: ProcessSupervisor,
  name: string,
  script: string,
  readyLog: string | RegExp,
): Promise<ManagedProcess> {
  return supervisor.spawn({
    name,
    command: process.execPath,
    args: nodeArgs(script),
    ready: { type: 'log', pattern: readyLog },
  });
}

/**
 * A `node -e script` HTTP child listening on a free port (given to the script as its first
 * argument), ready once GET `readyPath` answers.
 */
export async function spawnHttpScriptChild(
  supervisor: ProcessSupervisor,
  name: string,
  script: string,
  readyPath = '/',
): Promise<{ child: ManagedProcess; port: number }> {
  const port = await freePort();
  const child = await supervisor.spawn({
    name,
    command: process.execPath,
    args: nodeArgs(script, port),
    ready: { type: 'http', url: `http://127.0.0.1:${port}${readyPath}` },
  });
  return { child, port };
}
