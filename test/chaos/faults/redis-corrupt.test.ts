import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFault, FaultRefusedError, RedisCorruptFault } from '../../../src/chaos/faults/index.js';
import { faultContext } from './helpers.js';

const URL_DB15 = 'redis://127.0.0.1:6379/15';
const prefix = `fl-test:${process.pid}:${randomUUID()}:`;
const redis = new Redis(URL_DB15, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
const reachable = await redis.connect().then(
  () => true,
  () => false,
);

async function cleanKeys(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

afterEach(async () => {
  if (reachable) await cleanKeys();
});
afterAll(() => redis.disconnect());

async function seed(): Promise<void> {
  await redis.set(`${prefix}cache:a`, JSON.stringify({ id: 'a', price: 10 }));
  await redis.set(`${prefix}cache:b`, JSON.stringify({ id: 'b', price: 20 }), 'PX', 60_000);
  await redis.set(`${prefix}cache:c`, JSON.stringify({ id: 'c', price: 30 }));
  await redis.hset(`${prefix}cache:h`, 'field', 'value');
  await redis.set(`${prefix}other:x`, 'untouched');
}

const owned = { prefix };
const pattern = `${prefix}cache:*`;

/** A redis.corrupt fault on the test database, owning only this run's prefix. */
function corruptFault(spec: Record<string, unknown>): RedisCorruptFault {
  return createFault({ kind: 'redis.corrupt', url: URL_DB15, owned, ...spec }) as RedisCorruptFault;
}

describe.skipIf(!reachable)(
  `redis.corrupt${reachable ? '' : ' — skipped: no Redis at 127.0.0.1:6379'}`,
  () => {
    it('poisons matching string values and restores them on revert, keeping the TTL', async () => {
      await seed();
      const fault = corruptFault({ pattern, mode: 'poison' });
      await fault.inject(faultContext());
      expect(fault.keys.sort()).toEqual([`${prefix}cache:a`, `${prefix}cache:b`, `${prefix}cache:c`]);
      expect(fault.skipped).toBe(1); // the hash
      const poisoned = await redis.get(`${prefix}cache:a`);
      expect(() => JSON.parse(poisoned ?? '')).toThrow();
      expect(await redis.pttl(`${prefix}cache:b`)).toBeGreaterThan(50_000);
      expect(await redis.get(`${prefix}other:x`)).toBe('untouched');
      expect(await redis.hget(`${prefix}cache:h`, 'field')).toBe('value');

      await fault.revert();
      await fault.revert();
      expect(JSON.parse((await redis.get(`${prefix}cache:a`)) ?? '')).toEqual({ id: 'a', price: 10 });
      expect(JSON.parse((await redis.get(`${prefix}cache:b`)) ?? '')).toEqual({ id: 'b', price: 20 });
      expect(await redis.pttl(`${prefix}cache:b`)).toBeGreaterThan(50_000);
    });

    it('truncates values to keep_ratio', async () => {
      await seed();
      const original = (await redis.get(`${prefix}cache:a`)) ?? '';
      const fault = corruptFault({
        pattern: `${prefix}cache:a`,
        mode: 'truncate',
        keep_ratio: 0.25,
      });
      await fault.inject(faultContext());
      expect(await redis.get(`${prefix}cache:a`)).toBe(original.slice(0, Math.floor(original.length * 0.25)));
      await fault.revert();
      expect(await redis.get(`${prefix}cache:a`)).toBe(original);
    });

    it('overwrites with seeded random bytes: same seed, same bytes', async () => {
      const results: (Buffer | null)[] = [];
      for (let i = 0; i < 2; i++) {
        await seed();
        const fault = corruptFault({
          pattern: `${prefix}cache:c`,
          mode: 'overwrite',
        });
        await fault.inject(faultContext(99));
        results.push(await redis.getBuffer(`${prefix}cache:c`));
        await fault.revert();
        expect(await redis.get(`${prefix}cache:c`)).toBe(JSON.stringify({ id: 'c', price: 30 }));
      }
      expect(results[0]).not.toBeNull();
      expect(results[0]?.equals(results[1] as Buffer)).toBe(true);
      expect(results[0]?.toString()).not.toBe(JSON.stringify({ id: 'c', price: 30 }));
    });

    it('corrupts a seeded fraction of the keys, at most max_keys', async () => {
      for (let i = 0; i < 50; i++) await redis.set(`${prefix}many:${i}`, `v${i}`);
      const fault = corruptFault({
        pattern: `${prefix}many:*`,
        mode: 'overwrite',
        value: 'X',
        fraction: 0.5,
      });
      await fault.inject(faultContext(5));
      expect(fault.keys.length).toBeGreaterThan(10);
      expect(fault.keys.length).toBeLessThan(40);
      await fault.revert();
      const capped = corruptFault({
        pattern: `${prefix}many:*`,
        mode: 'poison',
        max_keys: 7,
      });
      await capped.inject(faultContext());
      expect(capped.keys).toHaveLength(7);
      await capped.revert();
      for (let i = 0; i < 50; i++) expect(await redis.get(`${prefix}many:${i}`)).toBe(`v${i}`);
    });

    it('leaves a key the application rewrote during the fault (restore: if_unchanged)', async () => {
      await seed();
      const fault = corruptFault({
        pattern: `${prefix}cache:a`,
        mode: 'poison',
      });
      await fault.inject(faultContext());
      await redis.set(`${prefix}cache:a`, 'healed by the app');
      await fault.revert();
      expect(await redis.get(`${prefix}cache:a`)).toBe('healed by the app');
    });

    it('refuses patterns outside the owned prefix or database', () => {
      const refused = [
        { pattern: '*', owned },
        { pattern: 'fl-test:*', owned },
        { pattern: `${prefix}*`, owned: { db: 14 } },
        { pattern: `${prefix}*`, owned: { db: 15 }, url: 'redis://127.0.0.1:6379/0' },
      ];
      for (const r of refused) {
        expect(() => createFault({ kind: 'redis.corrupt', url: URL_DB15, mode: 'poison', ...r })).toThrow(
          FaultRefusedError,
        );
      }
      expect(() => createFault({ kind: 'redis.corrupt', pattern, owned: {}, mode: 'poison' })).toThrow(
        /give owned.db or owned.prefix/,
      );
      // Owning the whole database allows any pattern in it.
      expect(corruptFault({ pattern: '*', owned: { db: 15 }, mode: 'poison' })).toBeInstanceOf(
        RedisCorruptFault,
      );
    });
  },
);
