import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ManagedProcess, type ProcessSupervisor } from '../../../src/chaos/process/index.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** Why a throwaway Postgres cannot run here, or null. */
export function postgresUnavailable(): string | null {
  if (!existsSync(join(BIN, 'postgres'))) return `no Postgres binaries in ${BIN}`;
  if (process.getuid?.() !== 0) return 'needs root to run Postgres as the postgres user';
  try {
    execFileSync('id', ['-u', 'postgres']);
  } catch {
    return 'no postgres user';
  }
  return null;
}

export interface ThrowawayPostgres {
  child: ManagedProcess;
  url: string;
  cleanup(): void;
}

/** initdb in a temp dir and run `postgres` in the foreground under the supervisor. */
export async function startPostgres(
  supervisor: ProcessSupervisor,
  name: string,
  maxConnections = 20,
): Promise<ThrowawayPostgres> {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'faultline-pg-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  execFileSync(join(BIN, 'initdb'), ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync'], {
    uid,
    gid,
    stdio: 'ignore',
  });
  const port = await freePort();
  const child = await supervisor.spawn({
    name,
    command: join(BIN, 'postgres'),
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `max_connections=${maxConnections}`,
      '-c',
      'fsync=off',
    ],
    uid,
    gid,
    ready: { type: 'log', pattern: 'database system is ready to accept connections' },
    ready_timeout_ms: 20_000,
  });
  return {
    child,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
