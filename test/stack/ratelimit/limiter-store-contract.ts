import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import type { LimiterStore, QuotaCheck } from '../../../src/stack/ratelimit/limiter-store.js';
import { MemoryLimiterStore } from '../../../src/stack/ratelimit/memory-limiter-store.js';
import { toQuota } from '../../../src/stack/ratelimit/quota.js';
import type { RateLimitAlgorithm } from '../../../src/stack/ratelimit/rate-limit-algorithm.js';

export type StoreFactory = (algorithm: RateLimitAlgorithm, clock: ManualClock) => Promise<LimiterStore>;

/**
 * The contract every LimiterStore keeps, after undici's cacheStoreTests: run it against each
 * implementation with each algorithm. Time is a ManualClock passed to the store (Redis gets it
 * as an argument instead of its TIME), so the same expectations hold everywhere.
 */
export function limiterStoreContract(
  name: string,
  algorithm: RateLimitAlgorithm,
  factory: StoreFactory,
): void {
  describe(`LimiterStore contract: ${name} / ${algorithm.name}`, () => {
    let store: LimiterStore | undefined;
    let clock: ManualClock;
    let n = 0;
    const fresh = async (): Promise<LimiterStore> => {
      clock = new ManualClock(1_700_000_000_000);
      store = await factory(algorithm, clock);
      return store;
    };
    // Windows are long: a Redis key's TTL runs on real time while the test's clock stands still.
    const key = (): string => `k${n++}:${Math.floor(Math.random() * 1e9)}`;
    const check = (k: string, limit: number, windowMs = 60_000, burst?: number): QuotaCheck => ({
      key: k,
      quota: toQuota({ limit, windowMs, burst }),
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('admits the burst at once, then refuses with the time until the next unit', async () => {
      const s = await fresh();
      const c = check(key(), 10, 10_000);
      const remaining: number[] = [];
      for (let i = 0; i < 10; i++) {
        const [d] = await s.decide([c], 1);
        expect(d?.allowed).toBe(true);
        remaining.push(d?.remaining ?? -1);
      }
      expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const [refused] = await s.decide([c], 1);
      expect(refused?.allowed).toBe(false);
      expect(refused?.remaining).toBe(0);
      expect(refused?.retryAfterMs).toBeCloseTo(1000, 0);
      expect(refused?.resetMs).toBeCloseTo(10_000, 0);
      expect(refused?.limit).toBe(10);
    });

    it('refills at limit / window: one more unit after one emission interval, all after the window', async () => {
      const s = await fresh();
      const c = check(key(), 10, 10_000);
      for (let i = 0; i < 10; i++) await s.decide([c], 1);
      clock.advance(999);
      expect((await s.decide([c], 1))[0]?.allowed).toBe(false);
      clock.advance(1);
      expect((await s.decide([c], 1))[0]?.allowed).toBe(true);
      expect((await s.decide([c], 1))[0]?.allowed).toBe(false);
      clock.advance(50_000);
      const [d] = await s.decide([c], 1);
      expect(d?.allowed).toBe(true);
      expect(d?.remaining).toBe(9);
    });

    it('keys are independent', async () => {
      const s = await fresh();
      const a = check(key(), 2);
      const b = check(key(), 2);
      await s.decide([a], 1);
      await s.decide([a], 1);
      expect((await s.decide([a], 1))[0]?.allowed).toBe(false);
      expect((await s.decide([b], 1))[0]?.allowed).toBe(true);
    });

    it('a cost of several units draws them all, and is refused whole when fewer are left', async () => {
      const s = await fresh();
      const c = check(key(), 10, 10_000);
      expect((await s.decide([c], 7))[0]?.remaining).toBe(3);
      const [refused] = await s.decide([c], 4);
      expect(refused?.allowed).toBe(false);
      expect(refused?.retryAfterMs).toBeCloseTo(1000, 0);
      expect((await s.decide([c], 3))[0]?.allowed).toBe(true);
    });

    it('several checks decide all-or-nothing: a refusal by one leaves the others untouched', async () => {
      const s = await fresh();
      const wide = check(key(), 10);
      const narrow = check(key(), 1);
      const [w1, n1] = await s.decide([wide, narrow], 1);
      expect(w1?.allowed && n1?.allowed).toBe(true);
      const [w2, n2] = await s.decide([wide, narrow], 1);
      expect(w2?.allowed).toBe(true);
      expect(n2?.allowed).toBe(false);
      // The refused request cost `wide` nothing: 9 left, as after the first.
      expect((await s.decide([wide], 1))[0]?.remaining).toBe(8);
    });

    it('a burst below the limit caps what a rested key gets at once', async () => {
      const s = await fresh();
      const c = check(key(), 100, 600_000, 5);
      let admitted = 0;
      for (let i = 0; i < 20; i++) if ((await s.decide([c], 1))[0]?.allowed) admitted++;
      expect(admitted).toBe(5);
    });

    it('keeps sub-ms state exactly: 1 µs per unit, decisions as the in-process reference', async () => {
      // 1,000,000 units per second (1 µs each), a 1 s burst, costs of ~0.2 s, the clock moving
      // 0.7 µs per request at an epoch of 1.7e12 ms: a state stored with fewer than 17
      // significant digits (0.01 ms at %.14g) shifts `remaining` by whole units.
      const s = await fresh();
      const reference = new MemoryLimiterStore(algorithm, {}, clock);
      const c = check(key(), 1_000_000, 1000, 1_000_000);
      const got: string[] = [];
      const want: string[] = [];
      for (let i = 0; i < 60; i++) {
        clock.advance(0.0007);
        const cost = 200_000 + (i % 7) * 1001;
        const [d] = await s.decide([c], cost);
        const [r] = reference.decideSync([c], cost);
        got.push(`${d?.allowed} ${d?.remaining}`);
        want.push(`${r?.allowed} ${r?.remaining}`);
        expect(Math.abs((d?.retryAfterMs ?? 0) - (r?.retryAfterMs ?? 0))).toBeLessThan(0.002);
      }
      await reference.close();
      expect(got).toEqual(want);
      expect(want.filter((w) => w.startsWith('true')).length).toBe(4);
    });

    it('concurrent decisions on one key never admit more than the burst', async () => {
      const s = await fresh();
      const c = check(key(), 25, 60_000);
      const all = await Promise.all(Array.from({ length: 100 }, () => s.decide([c], 1)));
      expect(all.filter(([d]) => d?.allowed).length).toBe(25);
    });
  });
}
