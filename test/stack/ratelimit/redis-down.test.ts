import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gcra } from '../../../src/stack/ratelimit/gcra.js';
import { toQuota } from '../../../src/stack/ratelimit/quota.js';
import type { RateLimitResult } from '../../../src/stack/ratelimit/rate-limit-result.js';
import { RateLimiter } from '../../../src/stack/ratelimit/rate-limiter.js';
import { RedisLimiterStore } from '../../../src/stack/ratelimit/redis-limiter-store.js';
import { hasRedisServer, OwnRedis } from '../../support/own-redis.js';

const timeoutMs = 50;
/**
 * The bound a decision must keep when Redis is dead or hung: the configured timeout, plus
 * scheduling slack for a machine shared by many test runs (the slack is not the claim; the
 * figure printed is the measurement).
 */
const boundMs = timeoutMs + 250;

async function timed(limiter: RateLimiter, key: string): Promise<{ result: RateLimitResult; ms: number }> {
  const t0 = performance.now();
  const result = await limiter.consume(key);
  return { result, ms: performance.now() - t0 };
}

async function until<T>(check: () => Promise<T | undefined>, timeout: number): Promise<T> {
  const end = performance.now() + timeout;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`not reached within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!hasRedisServer)('RateLimiter when its Redis dies, hangs and comes back', () => {
  let own: OwnRedis;
  let limiter: RateLimiter;
  let store: RedisLimiterStore;

  const make = async (mode: 'open' | 'closed'): Promise<void> => {
    store = new RedisLimiterStore(gcra, { url: own.url, keyPrefix: 'down:', commandTimeoutMs: timeoutMs });
    await store.ready();
    limiter = new RateLimiter({
      policy: 'api',
      quota: toQuota({ limit: 20, windowMs: 60_000 }),
      store,
      failure: { mode, timeoutMs, recheckMs: 200, instances: 4 },
    });
  };

  beforeEach(async () => {
    own = await OwnRedis.start();
  });
  afterEach(async () => {
    await limiter?.close();
    await own?.stop();
  });

  it('Redis killed: every decision within the timeout, on the insurance limiter at limit / instances', async () => {
    await make('open');
    await until(async () => ((await limiter.consume('a')).source === 'store' ? true : undefined), 10_000);
    let downs = 0;
    limiter.onStoreDown(() => downs++);
    await own.kill();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await timed(limiter, 'b'));
    const worst = Math.max(...answers.map((a) => a.ms));
    console.log(`dead Redis: worst decision ${worst.toFixed(1)} ms (timeout ${timeoutMs} ms)`);
    expect(worst).toBeLessThan(boundMs);
    expect(answers.every((a) => a.result.source === 'insurance')).toBe(true);
    // 20 / 4 instances = 5 at once on this instance.
    expect(answers.filter((a) => a.result.allowed).length).toBe(5);
    expect(downs).toBe(1);
    expect(limiter.storeUp).toBe(false);
  });

  it('Redis hung (SIGSTOP): the first decision waits at most the timeout, then the store is skipped', async () => {
    await make('open');
    await until(async () => ((await limiter.consume('warm')).source === 'store' ? true : undefined), 10_000);
    own.pause();
    const first = await timed(limiter, 'c');
    const rest = [];
    for (let i = 0; i < 5; i++) rest.push(await timed(limiter, 'c'));
    own.resume();
    console.log(
      `hung Redis: first decision ${first.ms.toFixed(1)} ms, then worst ${Math.max(...rest.map((r) => r.ms)).toFixed(1)} ms`,
    );
    expect(first.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(first.ms).toBeLessThan(boundMs);
    expect(first.result.source).toBe('insurance');
    expect(rest.every((r) => r.result.source === 'insurance' && r.ms < boundMs)).toBe(true);
  });

  it('coordination resumes once Redis is back (restart on the same port)', async () => {
    await make('open');
    let upAfterMs: number | undefined;
    limiter.onStoreUp(({ downMs }) => {
      upAfterMs = downMs;
    });
    await own.kill();
    expect((await limiter.consume('d')).source).toBe('insurance');
    await own.spawn();
    const back = await until(async () => {
      const r = await limiter.consume('d');
      return r.source === 'store' ? r : undefined;
    }, 10_000);
    expect(back.allowed).toBe(true);
    expect(limiter.storeUp).toBe(true);
    expect(upAfterMs).toBeGreaterThan(0);
    console.log(`Redis back: coordination resumed ${upAfterMs?.toFixed(0)} ms after the store went down`);
  });

  it('fail closed: refuses (503 source) within the timeout while Redis is away', async () => {
    await make('closed');
    await own.kill();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await timed(limiter, 'e'));
    expect(answers.every((a) => !a.result.allowed && a.result.source === 'fail-closed')).toBe(true);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(boundMs);
    expect(answers[0]?.result.retryAfterMs).toBe(200);
  });

  it('hung Redis under concurrency: no decision of 50 in flight waits past the bound', async () => {
    await make('open');
    await until(async () => ((await limiter.consume('warm')).source === 'store' ? true : undefined), 10_000);
    own.pause();
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: 50 }, () => timed(limiter, 'f')));
    const total = performance.now() - t0;
    own.resume();
    expect(Math.max(...all.map((a) => a.ms))).toBeLessThan(boundMs);
    expect(total).toBeLessThan(boundMs);
    expect(all.filter((a) => a.result.allowed).length).toBe(5);
  });
});
