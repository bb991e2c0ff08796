import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcra } from '../../../src/stack/ratelimit/gcra.js';
import { toQuota } from '../../../src/stack/ratelimit/quota.js';
import { RedisLimiterStore } from '../../../src/stack/ratelimit/redis-limiter-store.js';
import { tokenBucket } from '../../../src/stack/ratelimit/token-bucket.js';
import { hasRedisServer, OwnRedis } from '../../support/own-redis.js';
import { limiterStoreContract } from './limiter-store-contract.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const prefix = `faultline:test:rl:${process.pid}:`;

// The contract on the shared test Redis (db 15, own prefix; keys expire by themselves).
for (const algorithm of [gcra, tokenBucket]) {
  limiterStoreContract('redis', algorithm, async (a, clock) => {
    const store = new RedisLimiterStore(
      a,
      { url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 2000 },
      clock,
    );
    await store.ready();
    return store;
  });
}

describe.skipIf(!hasRedisServer)('RedisLimiterStore on a redis-server of its own', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await OwnRedis.start();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('keys carry the prefix and a TTL of the time until the bucket is full again', async () => {
    const store = new RedisLimiterStore(gcra, { url: own.url, keyPrefix: 'p1:', commandTimeoutMs: 2000 });
    const admin = new Redis(own.url);
    try {
      await store.ready();
      const quota = toQuota({ limit: 10, windowMs: 10_000 });
      for (let i = 0; i < 5; i++) await store.decide([{ key: 'ttl', quota }], 1);
      const pttl = await admin.pttl('p1:ttl');
      expect(pttl).toBeGreaterThan(4000);
      expect(pttl).toBeLessThanOrEqual(5000);
      expect(await admin.exists('ttl')).toBe(0);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it('uses Redis server time without a clock: instances with different clocks share one bucket', async () => {
    const a = new RedisLimiterStore(tokenBucket, { url: own.url, keyPrefix: 'p2:', commandTimeoutMs: 2000 });
    const b = new RedisLimiterStore(tokenBucket, { url: own.url, keyPrefix: 'p2:', commandTimeoutMs: 2000 });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const quota = toQuota({ limit: 4, windowMs: 60_000 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).decide([{ key: 'shared', quota }], 1)),
      );
      expect(answers.filter(([d]) => d?.allowed).length).toBe(4);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('loads the script once and reloads it after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const store = new RedisLimiterStore(gcra, { url: own.url, keyPrefix: 'p3:', commandTimeoutMs: 2000 });
    const admin = new Redis(own.url);
    try {
      await store.ready();
      const quota = toQuota({ limit: 3, windowMs: 60_000 });
      expect((await store.decide([{ key: 'ns', quota }], 1))[0]?.remaining).toBe(2);
      await admin.config('RESETSTAT');
      await store.decide([{ key: 'ns', quota }], 1);
      const stats = await admin.info('commandstats');
      // One round trip per decision: a single EVALSHA, no EVAL, no new SCRIPT LOAD.
      expect(stats).toMatch(/cmdstat_evalsha:calls=1,/);
      expect(stats).not.toMatch(/cmdstat_eval:/);
      expect(stats).not.toMatch(/cmdstat_script/);
      await admin.script('FLUSH');
      const [d] = await store.decide([{ key: 'ns', quota }], 1);
      expect(d?.allowed).toBe(true);
      expect(d?.remaining).toBe(0);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});
