import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { ConstantBackoff } from '../../../src/stack/backoff/constant-backoff.js';
import { RateRetryBudget } from '../../../src/stack/retry/rate-retry-budget.js';
import { createRetryBudget } from '../../../src/stack/retry/retry-config.js';
import { RetryPolicy } from '../../../src/stack/retry/retry-policy.js';

describe('RateRetryBudget', () => {
  it('allows the floor (minRetriesPerSecond × window) with no requests at all', () => {
    const clock = new ManualClock(0);
    const budget = new RateRetryBudget({ windowMs: 10_000, percent: 20, minRetriesPerSecond: 1 }, clock);
    let granted = 0;
    while (budget.tryStartRetry()) granted++;
    expect(granted).toBe(10);
  });

  it('adds percent % of the requests of the window to the floor', () => {
    const clock = new ManualClock(0);
    const budget = new RateRetryBudget({ windowMs: 10_000, percent: 20, minRetriesPerSecond: 0 }, clock);
    for (let i = 0; i < 100; i++) budget.requestStarted();
    let granted = 0;
    while (budget.tryStartRetry()) granted++;
    expect(granted).toBe(20);
    // Five more requests earn one more retry; retries themselves earn nothing.
    for (let i = 0; i < 5; i++) budget.requestStarted();
    expect(budget.tryStartRetry()).toBe(true);
    expect(budget.tryStartRetry()).toBe(false);
    expect(budget.snapshot()).toEqual({
      type: 'rate',
      requests: 105,
      retries: 21,
      allowedRetries: 21,
      windowMs: 10_000,
    });
  });

  it('forgets requests and retries once they slide out of the window', () => {
    const clock = new ManualClock(0);
    const budget = new RateRetryBudget({ windowMs: 1000, percent: 50, minRetriesPerSecond: 0 }, clock);
    for (let i = 0; i < 10; i++) budget.requestStarted();
    clock.advance(500);
    for (let i = 0; i < 10; i++) budget.requestStarted();
    while (budget.tryStartRetry());
    expect(budget.snapshot()).toMatchObject({ requests: 20, retries: 10 });
    clock.advance(500); // the first 10 requests expire, the retries (made at 500) stay
    expect(budget.snapshot()).toMatchObject({ requests: 10, retries: 10, allowedRetries: 5 });
    expect(budget.tryStartRetry()).toBe(false);
    clock.advance(500); // everything expired
    expect(budget.snapshot()).toMatchObject({ requests: 0, retries: 0, allowedRetries: 0 });
    clock.advance(60_000);
    budget.requestStarted();
    budget.requestStarted();
    expect(budget.tryStartRetry()).toBe(true);
    expect(budget.tryStartRetry()).toBe(false);
  });

  it('is the default budget of the config form', () => {
    const budget = createRetryBudget();
    expect(budget).toBeInstanceOf(RateRetryBudget);
    expect(budget?.snapshot()).toMatchObject({ type: 'rate', windowMs: 10_000, allowedRetries: 100 });
    expect(createRetryBudget(false)).toBeUndefined();
    expect(() => createRetryBudget({ percent: -1 })).toThrow(/percent/);
  });

  describe('inside a RetryPolicy', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('caps the extra tries of a wholesale failure at the budget share', async () => {
      const clock = new ManualClock(0);
      const budget = new RateRetryBudget({ percent: 20, minRetriesPerSecond: 0.5 }, clock); // floor: 5
      const retry = new RetryPolicy({ maxAttempts: 3, backoff: new ConstantBackoff(0), budget });
      let calls = 0;
      const down = async () => {
        calls++;
        throw new Error('down');
      };
      for (let i = 0; i < 100; i++) await retry.execute(down).catch(() => {});
      // 100 first tries; retries ≤ 5 + 20 % of 100 = 25, where maxAttempts alone would allow 200.
      expect(calls).toBeLessThanOrEqual(125);
      expect(calls).toBeGreaterThanOrEqual(120);
    });
  });
});
