import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnedService {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `src/<entry>` as a real Node process (through tsx) and waits for its
 * `{"event":"listening"}` line. Rejects with its output if it exits first.
 */
export async function spawnEntry(
  entry: string,
  env: Record<string, string>,
  options: { args?: string[]; nodeArgs?: string[] } = {},
): Promise<SpawnedService> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', `${root}src/${entry}`, ...(options.args ?? [])],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const line = out.split('\n').find((l) => l.includes('"event":"listening"'));
      if (line) {
        child.stdout?.off('data', onData);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((e) => reject(new Error(`exited (${e.code}, ${e.signal}) before listening:\n${out}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

export function spawnService(
  env: Record<string, string> = {},
  options: { args?: string[]; nodeArgs?: string[] } = {},
) {
  return spawnEntry('service/main.ts', { PORT: '0', ...env }, options);
}

/** SIGKILL and wait; safe on a process that already exited. */
export async function killHard(service: SpawnedService | undefined): Promise<void> {
  if (!service) return;
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
  await service.exited;
}
