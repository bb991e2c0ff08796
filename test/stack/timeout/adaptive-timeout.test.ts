import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { AdaptiveTimeout } from '../../../src/stack/timeout/adaptive-timeout.js';
import { LatencyWindow } from '../../../src/stack/timeout/latency-window.js';
import { TimeoutError } from '../../../src/stack/timeout/timeout-error.js';
import { createTimeouts } from '../../../src/stack/timeout/timeouts-config.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now() };

/** Runs one call through the policy that takes `ms` of (fake) time to answer. */
async function call(policy: AdaptiveTimeout, ms: number): Promise<'ok' | 'timeout'> {
  const p = policy
    .execute(() => new Promise<'ok'>((resolve) => setTimeout(() => resolve('ok'), ms)))
    .catch((e: unknown) => {
      if (e instanceof TimeoutError) return 'timeout' as const;
      throw e;
    });
  await vi.advanceTimersByTimeAsync(ms + 1);
  return p;
}

describe('AdaptiveTimeout', () => {
  it('uses the ceiling until it has seen minSamples successes', async () => {
    const policy = new AdaptiveTimeout({ minSamples: 10, ceilingMs: 5000, floorMs: 10 }, { clock });
    for (let i = 0; i < 9; i++) await call(policy, 20);
    expect(policy.timeoutMs).toBe(5000);
    await call(policy, 20);
    expect(policy.timeoutMs).toBe(30); // p99 20 ms × 1.5
  });

  it('follows a gradually rising latency distribution', async () => {
    const rng = new SeededRandom(11);
    const policy = new AdaptiveTimeout(
      { minSamples: 20, floorMs: 5, ceilingMs: 10_000, factor: 2, window: { size: 100, recomputeEvery: 10 } },
      { clock },
    );
    const deadlines: number[] = [];
    let timeouts = 0;
    // The upstream slows down from ~10 ms to ~300 ms over 600 calls, jitter ±10 %.
    for (let i = 0; i < 600; i++) {
      const base = 10 + (290 * i) / 600;
      if ((await call(policy, Math.round(base * (0.9 + 0.2 * rng.next())))) === 'timeout') timeouts++;
      if (i % 100 === 99) deadlines.push(policy.timeoutMs);
    }
    expect(timeouts).toBe(0);
    for (let k = 1; k < deadlines.length; k++) expect(deadlines[k]).toBeGreaterThan(deadlines[k - 1]!);
    expect(deadlines[0]).toBeLessThan(2 * 70);
    expect(deadlines.at(-1)).toBeGreaterThan(2 * 280);
  });

  it('catches up with a step in latency beyond its deadline after a few timeouts', async () => {
    const policy = new AdaptiveTimeout(
      {
        minSamples: 20,
        floorMs: 5,
        ceilingMs: 10_000,
        factor: 1.5,
        window: { size: 100, recomputeEvery: 1 },
      },
      { clock },
    );
    for (let i = 0; i < 100; i++) await call(policy, 20);
    expect(policy.timeoutMs).toBe(30);
    const results: string[] = [];
    for (let i = 0; i < 20; i++) results.push(await call(policy, 60));
    const timeouts = results.filter((r) => r === 'timeout').length;
    expect(timeouts).toBeGreaterThan(0);
    expect(timeouts).toBeLessThan(10);
    expect(results.slice(-5)).toEqual(Array(5).fill('ok'));
    expect(policy.timeoutMs).toBeGreaterThanOrEqual(60);
  });

  it('keeps the deadline within floor and ceiling', async () => {
    const fast = new AdaptiveTimeout({ minSamples: 5, floorMs: 50, ceilingMs: 500 }, { clock });
    for (let i = 0; i < 5; i++) await call(fast, 1);
    expect(fast.timeoutMs).toBe(50);
    const slow = new AdaptiveTimeout({ minSamples: 5, floorMs: 50, ceilingMs: 500 }, { clock });
    for (let i = 0; i < 5; i++) await call(slow, 400);
    expect(slow.timeoutMs).toBe(500);
  });

  it('times out tries slower than the adapted deadline and records them at the deadline', async () => {
    const policy = new AdaptiveTimeout(
      { minSamples: 5, floorMs: 10, ceilingMs: 1000, window: { recomputeEvery: 1 } },
      { clock },
    );
    for (let i = 0; i < 5; i++) await call(policy, 20);
    expect(policy.timeoutMs).toBe(30);
    let fired = 0;
    policy.onTimeout(() => fired++);
    expect(await call(policy, 200)).toBe('timeout');
    expect(fired).toBe(1);
    expect(policy.latency.recorded).toBe(6); // recorded at its 30 ms deadline
    expect(policy.timeoutMs).toBe(45);
  });

  it('can read a shared window without recording into it', async () => {
    const latency = new LatencyWindow({ size: 16 });
    for (let i = 0; i < 60; i++) latency.record(100);
    const policy = new AdaptiveTimeout({ minSamples: 50 }, { latency, record: false, clock });
    expect(policy.timeoutMs).toBe(150);
    await call(policy, 10);
    expect(latency.recorded).toBe(60);
  });

  it('is what createTimeouts builds for adaptive config', () => {
    const t = createTimeouts({ adaptive: { floorMs: 20, ceilingMs: 2000 } });
    expect(t.perTry).toBeInstanceOf(AdaptiveTimeout);
    expect(t.perTry?.timeoutMs).toBe(2000);
    expect(() => new AdaptiveTimeout({ floorMs: 100, ceilingMs: 10 })).toThrow(/ceilingMs/);
  });
});
