import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { BrokenCircuitError } from '../../../src/stack/breaker/broken-circuit-error.js';
import { ShedError } from '../../../src/stack/concurrency/shed-error.js';
import type { PolicyContext } from '../../../src/stack/policy/policy.js';
import { createResilience } from '../../../src/stack/policy/resilience.js';
import { AdaptiveTimeout } from '../../../src/stack/timeout/adaptive-timeout.js';
import { TimeoutError } from '../../../src/stack/timeout/timeout-error.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now() };
const hang = (ctx: PolicyContext) =>
  new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));

describe('createResilience', () => {
  it('builds nothing but a pass-through from an empty config', async () => {
    const r = createResilience();
    expect([r.limiter, r.overall, r.retry, r.breaker, r.hedge, r.perTry, r.connectMs]).toEqual(
      Array(7).fill(undefined),
    );
    await expect(r.policy.execute(async (ctx) => ctx.attempt)).resolves.toBe(0);
  });

  it('retries a hung try after its per-try deadline, on the next attempt', async () => {
    const r = createResilience(
      { timeouts: { perTryMs: 100, overallMs: 1000 }, retry: { maxAttempts: 3 } },
      { clock, random: new SeededRandom(1) },
    );
    const attempts: number[] = [];
    const p = r.policy.execute(async (ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 2) return hang(ctx);
      return 'third time lucky';
    });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(p).resolves.toBe('third time lucky');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('stops retrying at the overall deadline', async () => {
    const r = createResilience(
      {
        timeouts: { perTryMs: 300, overallMs: 500 },
        retry: { maxAttempts: 10, backoff: { type: 'constant', ms: 0 } },
      },
      { clock },
    );
    const attempts: number[] = [];
    const p = r.policy.execute((ctx) => {
      attempts.push(ctx.attempt);
      return hang(ctx);
    });
    const check = expect(p).rejects.toMatchObject({ scope: 'overall' });
    await vi.advanceTimersByTimeAsync(2000);
    await check;
    expect(attempts).toEqual([0, 1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails fast once the breaker opens: no retry of a broken circuit', async () => {
    const r = createResilience(
      {
        retry: { maxAttempts: 3, backoff: { type: 'constant', ms: 0 } },
        breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 5000 },
      },
      { clock },
    );
    let calls = 0;
    const p = r.policy.execute(async () => {
      calls++;
      throw new Error('upstream 500');
    });
    await expect(p).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(2);
    expect(r.breaker?.state).toBe('open');
  });

  it('sheds through the limiter before anything else runs', async () => {
    const r = createResilience(
      { concurrency: { limit: 1, maxQueue: 0, retryAfterSeconds: 2 }, retry: {} },
      { clock },
    );
    void r.policy.execute(hang);
    await expect(r.policy.execute(async () => 'x')).rejects.toEqual(expect.any(ShedError));
  });

  it('shares one latency window between an adaptive per-try timeout and the hedge', () => {
    const r = createResilience({ timeouts: { adaptive: {} }, hedge: {} }, { clock });
    expect(r.perTry).toBeInstanceOf(AdaptiveTimeout);
    expect(r.hedge?.latency).toBe((r.perTry as AdaptiveTimeout).latency);
    expect(r.connectMs).toBe(1000);
  });

  it('names the bad key', () => {
    expect(() => createResilience({ retry: { maxAttempts: 0 } })).toThrow(/retry.*maxAttempts|maxAttempts/s);
    expect(() => createResilience({ concurrency: { limit: { type: 'adaptive', minLimit: 0 } } })).toThrow(
      /minLimit/,
    );
  });

  it('reports per-try timeouts as TimeoutError when tries run out', async () => {
    const r = createResilience(
      { timeouts: { perTryMs: 50 }, retry: { maxAttempts: 2, backoff: { type: 'constant', ms: 0 } } },
      { clock },
    );
    const p = r.policy.execute(hang);
    const check = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(200);
    await check;
  });

  it('never retries or hedges a request that must not be sent twice', async () => {
    const r = createResilience(
      { retry: { maxAttempts: 3, backoff: { type: 'constant', ms: 0 } }, hedge: { delayMs: 1 } },
      { clock },
    );
    const run = async (method: string, headers?: Record<string, string>) => {
      const attempts: number[] = [];
      const p = r.policyFor(method, headers).execute(async (ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('500');
      });
      const check = expect(p).rejects.toThrow('500');
      await vi.advanceTimersByTimeAsync(10);
      await check;
      return attempts;
    };
    expect(await run('POST')).toEqual([0]);
    expect(await run('POST', { 'idempotency-key': 'k' })).toEqual([0, 1, 2]);
    expect(await run('GET')).toEqual([0, 1, 2]);
    expect(r.unretriedPolicy).toBe(r.policyFor('PATCH'));
  });
});
