import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTimeoutError, TimeoutError } from '../../../src/stack/timeout/timeout-error.js';
import { TimeoutPolicy } from '../../../src/stack/timeout/timeout-policy.js';
import { createTimeouts } from '../../../src/stack/timeout/timeouts-config.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call that never answers by itself but honours its signal. */
const hang = (seen: { signal?: AbortSignal }) => (ctx: { signal: AbortSignal }) => {
  seen.signal = ctx.signal;
  return new Promise<never>((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
  );
};

describe('TimeoutPolicy', () => {
  it('aborts ctx.signal and rejects with TimeoutError at the deadline', async () => {
    const policy = new TimeoutPolicy({ timeoutMs: 100 });
    const fired: number[] = [];
    policy.onTimeout((e) => fired.push(e.timeoutMs));
    const seen: { signal?: AbortSignal } = {};
    const p = policy.execute(hang(seen));
    const check = expect(p).rejects.toMatchObject({ code: 'FL_TIMEOUT', httpStatus: 504, scope: 'per-try' });
    await vi.advanceTimersByTimeAsync(99);
    expect(seen.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await check;
    expect(seen.signal?.aborted).toBe(true);
    expect(isTimeoutError(seen.signal?.reason)).toBe(true);
    expect(fired).toEqual([100]);
  });

  it('rejects on time even when fn ignores the signal', async () => {
    const policy = new TimeoutPolicy({ timeoutMs: 50, scope: 'overall' });
    const p = policy.execute(() => new Promise(() => {}));
    const check = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(50);
    await check;
    await expect(p).rejects.toMatchObject({ scope: 'overall' });
  });

  it('passes results through and clears its timer', async () => {
    const policy = new TimeoutPolicy({ timeoutMs: 1000 });
    await expect(policy.execute(async () => 'fast')).resolves.toBe('fast');
    await expect(policy.execute(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("forwards the caller's abort and its reason", async () => {
    const policy = new TimeoutPolicy({ timeoutMs: 1000 });
    const ac = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const p = policy.execute(hang(seen), ac.signal);
    ac.abort(new Error('client went away'));
    await expect(p).rejects.toThrow('client went away');
    expect(seen.signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(policy.execute(async () => 1, ac.signal)).rejects.toThrow('client went away');
  });

  it('validates its options', () => {
    expect(() => new TimeoutPolicy({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('createTimeouts', () => {
  it('builds the overall and per-try deadlines and keeps connectMs for the pool', () => {
    const t = createTimeouts({ connectMs: 250, perTryMs: 500, overallMs: 2000 });
    expect(t.connectMs).toBe(250);
    expect(t.overall).toMatchObject({ timeoutMs: 2000, scope: 'overall' });
    expect(t.perTry).toMatchObject({ timeoutMs: 500, scope: 'per-try' });
    // The documented defaults: 5 s per try, 15 s overall (the gateway's).
    expect(createTimeouts().perTry).toMatchObject({ timeoutMs: 5000, scope: 'per-try' });
    expect(createTimeouts().overall).toMatchObject({ timeoutMs: 15_000, scope: 'overall' });
    expect(() => createTimeouts({ perTryMs: 0 })).toThrow(/perTryMs/);
    expect(() => createTimeouts({ perTry: 5 } as never)).toThrow(/perTry/);
  });
});
