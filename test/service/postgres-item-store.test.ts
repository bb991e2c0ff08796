import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { durableStoreContract, freePort } from './durable-store-contract.js';

const pgBin = '/usr/lib/postgresql/15/bin';
const hasPostgres = existsSync(`${pgBin}/initdb`) && process.getuid?.() === 0;
let pgDir = '';
let pgPort = 0;

describe.skipIf(!hasPostgres)('postgres item store on a real Postgres', () => {
  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'faultline-pg-'));
    chownSync(pgDir, uidOf('postgres'), gidOf('postgres'));
    pgPort = await freePort();
    const run = (args: string[]) => {
      const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    };
    run([`${pgBin}/initdb`, '-D', `${pgDir}/data`, '--auth=trust', '-U', 'postgres', '--no-sync']);
    run([
      `${pgBin}/pg_ctl`,
      '-D',
      `${pgDir}/data`,
      '-o',
      `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      `${pgDir}/log`,
      '-w',
      'start',
    ]);
  }, 60_000);
  afterAll(() => {
    if (!pgDir) return;
    spawnSync('runuser', [
      '-u',
      'postgres',
      '--',
      `${pgBin}/pg_ctl`,
      '-D',
      `${pgDir}/data`,
      '-m',
      'immediate',
      'stop',
    ]);
    rmSync(pgDir, { recursive: true, force: true });
  });

  durableStoreContract('postgres', () => ({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
  }));
});

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}
function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}
