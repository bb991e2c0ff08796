import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/chaos/process/free-port.js';
import {
  findBinary,
  NEEDS,
  NeedChecker,
  type NeedEnv,
  OPEN_FILES_NEEDED,
  openFilesHardLimit,
} from '../../src/runner/needs.js';
import { redisReachable } from '../suite/reachable.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const PG_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const hasRedis = await redisReachable(REDIS_URL);
const hasPostgres = (await NEEDS.postgres.check({ redisUrl: REDIS_URL, databaseUrl: PG_URL })).ok;

describe('need checks', () => {
  let closedPort: number;
  let dir: string;
  let notRedis: Server;
  let notRedisPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    closedPort = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'faultline-needs-'));
    notRedis = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
    notRedisPort = (notRedis.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => notRedis.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const env = (over: Partial<NeedEnv> = {}): NeedEnv => ({
    redisUrl: REDIS_URL,
    databaseUrl: PG_URL,
    ...over,
  });

  it.skipIf(!hasRedis)('redis: ok when Redis answers PING at REDIS_URL', async () => {
    expect(await NEEDS.redis.check(env())).toMatchObject({ ok: true });
  });

  it('redis: missing, with how to provide it, when nothing listens or something else answers', async () => {
    const closed = await NEEDS.redis.check(env({ redisUrl: `redis://127.0.0.1:${closedPort}/0` }));
    expect(closed).toEqual({
      ok: false,
      reason: `Redis at 127.0.0.1:${closedPort} is not reachable (ECONNREFUSED)`,
      provide: expect.stringContaining('redis-server'),
    });
    const other = await NEEDS.redis.check(env({ redisUrl: `redis://127.0.0.1:${notRedisPort}` }));
    expect(other).toMatchObject({ ok: false, reason: expect.stringContaining('not as Redis') });
    expect(await NEEDS.redis.check(env({ redisUrl: 'not a url' }))).toMatchObject({ ok: false });
  });

  it.skipIf(!hasPostgres)('postgres: ok when DATABASE_URL accepts a query', async () => {
    expect(await NEEDS.postgres.check(env())).toMatchObject({ ok: true });
  });

  it('postgres: missing when nothing listens at DATABASE_URL', async () => {
    const r = await NEEDS.postgres.check(
      env({ databaseUrl: `postgresql://postgres@127.0.0.1:${closedPort}/test` }),
    );
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining('ECONNREFUSED'),
      provide: expect.any(String),
    });
  });

  it('binaries are looked up on PATH', async () => {
    const fake = join(dir, 'etcd');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(await NEEDS.etcd.check(env({ path: dir }))).toEqual({ ok: true, detail: fake });
    expect(await NEEDS.haproxy.check(env({ path: dir }))).toEqual({
      ok: false,
      reason: '`haproxy` not found on PATH',
      provide: 'apt-get install -y haproxy',
    });
    // not executable = not there
    await writeFile(join(dir, 'wrk'), '');
    expect(await findBinary('wrk', env({ path: dir }))).toBeUndefined();
  });

  it('root and free ports', async () => {
    expect((await NEEDS.root.check(env())).ok).toBe(process.getuid?.() === 0);
    expect(await NEEDS['free-ports'].check(env())).toMatchObject({ ok: true });
  });

  it('open files: the hard limit from /proc/self/limits, refused below 16384 with how to raise it', async () => {
    const hard = await openFilesHardLimit();
    const shell = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    expect(hard === undefined ? 'unlimited' : String(hard)).toBe(shell);
    expect((await NEEDS['open-files'].check(env())).ok).toBe(hard === undefined || hard >= OPEN_FILES_NEEDED);
    // A process whose hard limit was lowered (allowed without root) is refused with the reason.
    const script = `import { NEEDS } from './src/runner/needs.ts'; console.log(JSON.stringify(await NEEDS['open-files'].check({})));`;
    const out = execFileSync(
      'bash',
      ['-c', `ulimit -n 1024 && exec "${process.execPath}" --import tsx --input-type=module -e "$0"`, script],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({
      ok: false,
      reason: 'the hard limit of open files is 1024 (ulimit -Hn), below 16384',
    });
  });

  it('postgres-binaries answers either way with a reason', async () => {
    const r = await NEEDS['postgres-binaries'].check(env());
    if (r.ok) expect(r.detail).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
    else expect(r.provide).toContain('postgresql');
  });

  it('NeedChecker checks each need once and reports the first missing one', async () => {
    let calls = 0;
    const checker = new NeedChecker(env(), {
      ...NEEDS,
      etcd: {
        title: 'etcd',
        check: async () => {
          calls += 1;
          return { ok: false, reason: 'no', provide: 'yes' };
        },
      },
      root: { title: 'root', check: async () => ({ ok: true }) },
      cgroups: {
        title: 'cgroups',
        check: async () => {
          throw new Error('unexpected');
        },
      },
    });
    expect(await checker.firstMissing(['root', 'etcd'])).toEqual({
      need: 'etcd',
      reason: 'no',
      provide: 'yes',
    });
    expect(await checker.firstMissing(['etcd'])).toMatchObject({ need: 'etcd' });
    expect(calls).toBe(1);
    expect(await checker.firstMissing(['root'])).toBeUndefined();
    expect(await checker.firstMissing(['cgroups'])).toMatchObject({ reason: 'check failed: unexpected' });
  });
});
