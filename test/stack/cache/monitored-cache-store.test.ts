import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitoredCacheStore, type TierStateChange } from '../../../src/stack/cache/monitored-cache-store.js';
import { RedisCacheStore } from '../../../src/stack/cache/redis-cache-store.js';
import { hasRedisServer, OwnRedis } from '../../support/own-redis.js';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!hasRedisServer)('MonitoredCacheStore on a redis-server of our own', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await OwnRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('bypasses a dead tier through its breaker at once, and the monitor re-admits it when back', async () => {
    const store = new MonitoredCacheStore(
      new RedisCacheStore({
        url: redis.url,
        keyPrefix: 'mon:',
        commandTimeoutMs: 200,
        maxReconnectDelayMs: 50,
      }),
      {
        breaker: { strategy: { type: 'consecutive', threshold: 3 }, halfOpenAfter: 100, halfOpenProbes: 2 },
        checkIntervalMs: 20,
      },
    );
    const changes: TierStateChange[] = [];
    store.onStateChange((c) => changes.push(c));
    try {
      await store.ready();
      await store.set('k', Buffer.from('v'), 60_000);
      expect((await store.get('k'))?.toString()).toBe('v');

      await redis.kill();
      // Failed calls and failed pings both count; three in a row take the tier out.
      for (let i = 0; i < 3; i++) expect(await store.get('k')).toBeUndefined();
      await until(() => store.state === 'open', 5000);
      expect(store.errors).toBeLessThanOrEqual(3);
      // Bypassed: answers without touching Redis, and counts nothing more.
      const errors = store.errors;
      for (let i = 0; i < 100; i++) expect(await store.get('k')).toBeUndefined();
      await store.set('k2', Buffer.from('x'), 60_000);
      expect(store.errors).toBe(errors);

      await redis.spawn();
      await until(() => store.state === 'closed', 10_000);
      expect(changes.map((c) => c.to)).toEqual(expect.arrayContaining(['open', 'half-open', 'closed']));
      await store.set('k3', Buffer.from('back'), 60_000);
      expect((await store.get('k3'))?.toString()).toBe('back');
    } finally {
      await store.close();
    }
  });

  it('sees an idle tier go down through its pings alone', async () => {
    const store = new MonitoredCacheStore(
      new RedisCacheStore({
        url: redis.url,
        keyPrefix: 'mon3:',
        commandTimeoutMs: 200,
        maxReconnectDelayMs: 50,
      }),
      {
        breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 50, halfOpenProbes: 1 },
        checkIntervalMs: 20,
      },
    );
    try {
      await store.ready();
      await redis.kill();
      await until(() => store.state !== 'closed', 5000);
      expect(store.errors).toBe(0);
      await redis.spawn();
      await until(() => store.state === 'closed', 10_000);
    } finally {
      await store.close();
    }
  });

  it('counts a command timeout as a failure (a hung Redis does not hang requests)', async () => {
    const store = new MonitoredCacheStore(
      new RedisCacheStore({ url: redis.url, keyPrefix: 'mon2:', commandTimeoutMs: 50 }),
      { breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 60_000 } },
    );
    try {
      await store.ready();
      redis.pause();
      // Redis answers nothing now: both calls end by their command timeout, not by Redis.
      expect(await store.get('a')).toBeUndefined();
      expect(await store.get('b')).toBeUndefined();
      expect(store.state).toBe('open');
    } finally {
      redis.resume();
      await store.close();
    }
  });
});
