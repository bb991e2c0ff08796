import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { gcra } from '../../../src/stack/ratelimit/gcra.js';
import { MemoryLimiterStore } from '../../../src/stack/ratelimit/memory-limiter-store.js';
import { toQuota } from '../../../src/stack/ratelimit/quota.js';
import { tokenBucket } from '../../../src/stack/ratelimit/token-bucket.js';
import { limiterStoreContract } from './limiter-store-contract.js';

for (const algorithm of [gcra, tokenBucket]) {
  limiterStoreContract('memory', algorithm, async (a, clock) => new MemoryLimiterStore(a, {}, clock));
}

describe('MemoryLimiterStore', () => {
  it('keeps at most maxKeys: expired keys go first, then the oldest written', () => {
    const clock = new ManualClock(0);
    const store = new MemoryLimiterStore(gcra, { maxKeys: 3 }, clock);
    const quota = toQuota({ limit: 1, windowMs: 1000 });
    store.decideSync([{ key: 'a', quota }], 1);
    clock.advance(2000); // a's state has expired
    for (const key of ['b', 'c', 'd']) store.decideSync([{ key, quota }], 1);
    expect(store.size).toBe(3);
    store.decideSync([{ key: 'e', quota }], 1);
    expect(store.size).toBe(3);
    // b was the oldest: dropped, so it reads as a full bucket again.
    expect(store.decideSync([{ key: 'b', quota }], 1)[0]?.allowed).toBe(true);
    expect(store.decideSync([{ key: 'e', quota }], 1)[0]?.allowed).toBe(false);
  });

  it('rejects a bad maxKeys', () => {
    expect(() => new MemoryLimiterStore(gcra, { maxKeys: 0 })).toThrow(/maxKeys/);
  });
});
