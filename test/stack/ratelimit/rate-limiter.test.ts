import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { wrap } from '../../../src/stack/policy/policy.js';
import { AimdLimitFactor } from '../../../src/stack/ratelimit/aimd-limit-factor.js';
import type { LimiterStore } from '../../../src/stack/ratelimit/limiter-store.js';
import { toQuota } from '../../../src/stack/ratelimit/quota.js';
import { RateLimitPolicy } from '../../../src/stack/ratelimit/rate-limit-policy.js';
import {
  isRateLimitedError,
  type RateLimitedError,
} from '../../../src/stack/ratelimit/rate-limited-error.js';
import { RateLimiter } from '../../../src/stack/ratelimit/rate-limiter.js';

describe('RateLimiter', () => {
  it('defaults to a memory store and counts what it admits and refuses', async () => {
    const limiter = new RateLimiter({
      quota: toQuota({ limit: 3, windowMs: 1000 }),
      clock: new ManualClock(),
    });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.consume('k'));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[3]).toMatchObject({
      source: 'store',
      policy: 'default',
      limit: 3,
      remaining: 0,
      key: 'k',
    });
    expect(limiter.snapshot()).toMatchObject({ store: 'memory', storeUp: true, admitted: 3, refused: 2 });
  });

  it('reserves a share for critical traffic: others are held to limit × (1 − share)', async () => {
    const limiter = new RateLimiter({
      quota: toQuota({ limit: 10, windowMs: 60_000 }),
      priority: { reservedShare: 0.2 },
      clock: new ManualClock(),
    });
    let normal = 0;
    for (let i = 0; i < 20; i++) if ((await limiter.consume('k')).allowed) normal++;
    let critical = 0;
    for (let i = 0; i < 20; i++) if ((await limiter.consume('k', { critical: true })).allowed) critical++;
    expect(normal).toBe(8);
    expect(critical).toBe(2);
  });

  it('without priority, a flood of normal traffic leaves nothing for critical requests (control)', async () => {
    const limiter = new RateLimiter({
      quota: toQuota({ limit: 10, windowMs: 60_000 }),
      clock: new ManualClock(),
    });
    for (let i = 0; i < 20; i++) await limiter.consume('k');
    expect((await limiter.consume('k', { critical: true })).allowed).toBe(false);
  });

  it('scales the quota by the adaptive factor', async () => {
    const clock = new ManualClock();
    const factor = new AimdLimitFactor({ intervalMs: 100, minSamples: 5, decrease: 0.5 }, clock);
    const limiter = new RateLimiter({ quota: toQuota({ limit: 100, windowMs: 1000 }), factor, clock });
    for (let i = 0; i < 10; i++) factor.record({ ok: false, latencyMs: 5 });
    clock.advance(100);
    factor.record({ ok: true, latencyMs: 5 });
    expect(limiter.effectiveQuota.limit).toBe(50);
    const r = await limiter.consume('k');
    expect(r.limit).toBe(50);
    expect(r.remaining).toBe(49);
  });

  it('never waits on a store that never answers longer than the timeout; probes it again after recheckMs', async () => {
    let calls = 0;
    const hung: LimiterStore = {
      kind: 'hung',
      decide: () => {
        calls++;
        return new Promise(() => {});
      },
      close: async () => {},
    };
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      quota: toQuota({ limit: 8, windowMs: 60_000 }),
      store: hung,
      failure: { timeoutMs: 20, recheckMs: 1000, instances: 2 },
      clock,
    });
    const first = await limiter.consume('k');
    expect(first).toMatchObject({ allowed: true, source: 'insurance' });
    for (let i = 0; i < 5; i++) await limiter.consume('k');
    expect(calls).toBe(1);
    expect(limiter.snapshot().admitted).toBe(4); // 8 / 2 instances
    clock.advance(1000);
    await limiter.consume('k');
    expect(calls).toBe(2);
  });
});

describe('RateLimitPolicy', () => {
  it('runs the call when admitted and throws RateLimitedError (429, Retry-After, headers) when not', async () => {
    const limiter = new RateLimiter({
      policy: 'api',
      quota: toQuota({ limit: 1, windowMs: 2000 }),
      clock: new ManualClock(),
    });
    const policy = wrap(new RateLimitPolicy(limiter, 'user-1'));
    await expect(policy.execute(async () => 'ok')).resolves.toBe('ok');
    let ran = false;
    const err = (await policy
      .execute(async () => {
        ran = true;
      })
      .catch((e: unknown) => e)) as RateLimitedError;
    expect(ran).toBe(false);
    expect(isRateLimitedError(err)).toBe(true);
    expect(err.code).toBe('FL_RATE_LIMITED');
    expect(err.httpStatus).toBe(429);
    expect(err.retryAfterSeconds).toBe(2);
    expect(err.headers).toEqual({
      'ratelimit-policy': '"api";q=1;w=2',
      ratelimit: '"api";r=0;t=2',
      'retry-after': '2',
    });
  });

  it('answers 503 FL_RATELIMIT_UNAVAILABLE when failing closed', async () => {
    const broken: LimiterStore = {
      kind: 'broken',
      decide: () => Promise.reject(new Error('down')),
      close: async () => {},
    };
    const limiter = new RateLimiter({
      quota: toQuota({ limit: 5 }),
      store: broken,
      failure: { mode: 'closed' },
    });
    const err = (await new RateLimitPolicy(limiter)
      .execute(async () => 1)
      .catch((e: unknown) => e)) as RateLimitedError;
    expect(err.code).toBe('FL_RATELIMIT_UNAVAILABLE');
    expect(err.httpStatus).toBe(503);
    expect(err.retryAfterSeconds).toBe(1);
  });
});
