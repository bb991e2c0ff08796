import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { ConstantBackoff } from '../../../src/stack/backoff/constant-backoff.js';
import type { Outcome } from '../../../src/stack/policy/outcome.js';
import { ConcurrentRetryBudget } from '../../../src/stack/retry/concurrent-retry-budget.js';
import { isIdempotentRequest } from '../../../src/stack/retry/idempotency.js';
import { type GiveUpEvent, RetryPolicy } from '../../../src/stack/retry/retry-policy.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function flaky(failures: number) {
  const attempts: number[] = [];
  const fn = async (ctx: { attempt: number }) => {
    attempts.push(ctx.attempt);
    if (attempts.length <= failures) throw new Error(`fail ${attempts.length}`);
    return 'ok';
  };
  return { fn, attempts };
}

describe('RetryPolicy', () => {
  it('retries errors with ctx.attempt counting up, then succeeds', async () => {
    const retry = new RetryPolicy({ maxAttempts: 3, random: new SeededRandom(1) });
    const { fn, attempts } = flaky(2);
    const p = retry.execute(fn);
    await vi.runAllTimersAsync();
    await expect(p).resolves.toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const retry = new RetryPolicy({ maxAttempts: 3, random: new SeededRandom(1) });
    const gaveUp: GiveUpEvent[] = [];
    retry.onGiveUp((e) => gaveUp.push(e));
    const { fn, attempts } = flaky(10);
    const p = retry.execute(fn);
    const check = expect(p).rejects.toThrow('fail 3');
    await vi.runAllTimersAsync();
    await check;
    expect(attempts).toEqual([0, 1, 2]);
    expect(gaveUp).toMatchObject([{ reason: 'max-attempts', attempts: 3 }]);
  });

  it('waits the back-off between tries (full jitter, within 25·2^(n-1) ms by default)', async () => {
    const retry = new RetryPolicy({ maxAttempts: 4, random: new SeededRandom(3) });
    const delays: number[] = [];
    retry.onRetry((e) => delays.push(e.delayMs));
    const { fn } = flaky(3);
    const p = retry.execute(fn);
    await vi.runAllTimersAsync();
    await p;
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(25 * 2 ** i);
    });
  });

  it('does not retry what shouldRetry refuses: a POST without an Idempotency-Key', async () => {
    const retryFor = (method: string, headers: Record<string, string> = {}) =>
      new RetryPolicy({
        backoff: new ConstantBackoff(0),
        shouldRetry: (o: Outcome) => !o.ok && isIdempotentRequest(method, headers),
      });
    const post = flaky(1);
    await expect(retryFor('POST').execute(post.fn)).rejects.toThrow('fail 1');
    expect(post.attempts).toEqual([0]);
    const keyed = flaky(1);
    await expect(retryFor('POST', { 'idempotency-key': 'k1' }).execute(keyed.fn)).resolves.toBe('ok');
    expect(keyed.attempts).toEqual([0, 1]);
    const get = flaky(1);
    await expect(retryFor('get').execute(get.fn)).resolves.toBe('ok');
  });

  it('retries results when shouldRetry says so and returns the last one', async () => {
    let calls = 0;
    const retry = new RetryPolicy({
      maxAttempts: 2,
      backoff: new ConstantBackoff(0),
      shouldRetry: (o) => o.ok && (o.value as { status: number }).status === 503,
    });
    await expect(retry.execute(async () => ({ status: 503, n: ++calls }))).resolves.toEqual({
      status: 503,
      n: 2,
    });
  });

  it('stops at once, mid back-off, when the caller aborts', async () => {
    const retry = new RetryPolicy({ maxAttempts: 5, backoff: new ConstantBackoff(10_000) });
    const ac = new AbortController();
    const { fn, attempts } = flaky(10);
    const p = retry.execute(fn, ac.signal);
    const check = expect(p).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(100);
    ac.abort(new Error('stop'));
    await check;
    expect(attempts).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares a retry budget: retries stop when active retries reach max(3, 20 % of active)', async () => {
    const budget = new ConcurrentRetryBudget();
    const retry = new RetryPolicy({ maxAttempts: 3, backoff: new ConstantBackoff(1000), budget });
    let gaveUpForBudget = 0;
    retry.onGiveUp((e) => {
      if (e.reason === 'budget') gaveUpForBudget++;
    });
    // 10 concurrent requests against an upstream that always fails.
    const calls: number[] = [];
    const down = async (ctx: { attempt: number }) => {
      calls.push(ctx.attempt);
      throw new Error('down');
    };
    const all = Array.from({ length: 10 }, () => retry.execute(down).catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(0);
    // max(3, floor(0.2 × 10)) = 3 retries admitted, 7 requests gave up at once.
    expect(budget.snapshot()).toEqual({
      type: 'concurrent',
      activeRequests: 3,
      activeRetries: 3,
      allowedRetries: 3,
    });
    expect(gaveUpForBudget).toBe(7);
    await vi.runAllTimersAsync();
    expect(await Promise.all(all)).toEqual(Array(10).fill('down'));
    // 10 first tries + 3 second tries + 3 third tries, instead of 30 tries.
    expect(calls.filter((a) => a === 0)).toHaveLength(10);
    expect(calls.length).toBe(16);
    expect(budget.snapshot()).toEqual({
      type: 'concurrent',
      activeRequests: 0,
      activeRetries: 0,
      allowedRetries: 3,
    });
  });

  it('allows 20 % of active requests once that exceeds the minimum', () => {
    const budget = new ConcurrentRetryBudget();
    for (let i = 0; i < 50; i++) budget.requestStarted();
    let granted = 0;
    while (budget.tryStartRetry()) granted++;
    expect(granted).toBe(10);
    budget.retryEnded();
    expect(budget.tryStartRetry()).toBe(true);
    expect(budget.tryStartRetry()).toBe(false);
  });
});

describe('isIdempotentRequest', () => {
  it('knows the idempotent methods and the Idempotency-Key header', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'get'])
      expect(isIdempotentRequest(m)).toBe(true);
    for (const m of ['POST', 'PATCH']) expect(isIdempotentRequest(m)).toBe(false);
    expect(isIdempotentRequest('POST', { 'idempotency-key': 'abc' })).toBe(true);
    expect(isIdempotentRequest('PATCH', { 'idempotency-key': '' })).toBe(false);
  });
});
