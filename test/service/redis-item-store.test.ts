import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { durableStoreContract, freePort } from './durable-store-contract.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
let redisPort = 0;
let redisDir = '';
let redis: ReturnType<typeof spawn> | undefined;

describe.skipIf(!hasRedis)('redis item store on a real redis-server', () => {
  beforeAll(async () => {
    if (!hasRedis) return;
    redisPort = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'faultline-redis-'));
    redis = spawn(
      'redis-server',
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        redisDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      redis?.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      redis?.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
    });
  });
  afterAll(async () => {
    if (redis && redis.exitCode === null) {
      redis.kill('SIGKILL');
      await new Promise((r) => redis?.once('exit', r));
    }
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  });

  durableStoreContract('redis', () => ({
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    REDIS_KEY_PREFIX: `test:${process.pid}:`,
  }));
});
