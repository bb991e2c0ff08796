import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetyController } from '../../src/chaos/safety/safety-controller.js';
import { createScenarioContext, deleteRedisKeys, redisDbOf } from '../../src/runner/context.js';
import { PortAllocator } from '../../src/runner/port-allocator.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { sampleJournal } from '../report/fixtures.js';
import { redisReachable } from '../suite/reachable.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const hasRedis = await redisReachable(REDIS_URL);

const scenario: Scenario = {
  id: 'cache.ctx-test',
  category: 'cache',
  name: 'ctx_test',
  title: 'context test',
  description: '',
  needs: ['redis'],
  run: async () => sampleJournal(),
};

const base = (isolated: boolean) => ({
  scenario,
  runId: `t${process.pid}`,
  runSeed: 1,
  env: { redisUrl: REDIS_URL, databaseUrl: '', mockExternal: true, isolated, monitoring: true },
  logger: pino({ level: 'silent' }),
  signal: new AbortController().signal,
  timeLimitMs: 5000,
  safety: new SafetyController({ env: { ENVIRONMENT: 'test' } }),
  ports: new PortAllocator(),
});

describe('scenario context', () => {
  const redis = hasRedis ? new Redis(REDIS_URL, { lazyConnect: true }) : undefined;
  afterAll(() => redis?.disconnect());

  it('reads the Redis database from REDIS_URL', () => {
    expect(redisDbOf('redis://127.0.0.1:6379/15')).toBe(15);
    expect(redisDbOf('redis://127.0.0.1:6379')).toBe(0);
    expect(redisDbOf('garbage')).toBe(0);
  });

  it('gives a private temp dir, removed on cleanup, and a deadline', async () => {
    const { context, cleanup } = await createScenarioContext(base(true));
    expect(existsSync(context.tmpDir)).toBe(true);
    expect(context.deadline - Date.now()).toBeGreaterThan(4000);
    expect(context.redis).toEqual({
      url: REDIS_URL,
      db: 15,
      prefix: `faultline:t${process.pid}:cache.ctx-test:`,
    });
    await cleanup();
    expect(existsSync(context.tmpDir)).toBe(false);
  });

  it('never hands out the same port twice in a run', async () => {
    let n = 0;
    // The OS source answers 4000, 4000, 4001, 4001, ...: the allocator skips repeats.
    const ports = new PortAllocator(async () => 4000 + Math.floor(n++ / 2));
    expect([await ports.next(), await ports.next(), await ports.next()]).toEqual([4000, 4001, 4002]);
    const stuck = new PortAllocator(async () => 5000);
    await stuck.next();
    await expect(stuck.next()).rejects.toThrow(/no fresh free port/);
  });

  it.skipIf(!hasRedis)('deletes its own Redis keys on cleanup, and only those', async () => {
    const { context, cleanup } = await createScenarioContext(base(true));
    await redis?.connect();
    const other = `faultline-test-other:${process.pid}`;
    await redis?.set(`${context.redis.prefix}a`, '1');
    await redis?.set(`${context.redis.prefix}b*[x]`, '2');
    await redis?.set(other, '3');
    await cleanup();
    expect(await redis?.exists(`${context.redis.prefix}a`, `${context.redis.prefix}b*[x]`)).toBe(0);
    expect(await redis?.get(other)).toBe('3');
    await redis?.del(other);
    expect(await deleteRedisKeys(REDIS_URL, 'faultline-test-none:')).toBe(0);
  });

  it('without isolation there is no key prefix and keys are left alone', async () => {
    const { context, cleanup } = await createScenarioContext(base(false));
    expect(context.redis.prefix).toBe('');
    await cleanup();
  });
});
