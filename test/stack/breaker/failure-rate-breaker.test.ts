import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { FailureRateBreaker } from '../../../src/stack/breaker/failure-rate-breaker.js';

describe('FailureRateBreaker', () => {
  it('never opens below the minimum volume, even at 100 % failures', () => {
    const b = new FailureRateBreaker({ threshold: 0.5, minimumVolume: 10 }, new ManualClock());
    for (let i = 0; i < 9; i++) expect(b.failure()).toBe(false);
    expect(b.failure()).toBe(true);
  });

  it('opens when the rate reaches the threshold, not before', () => {
    const b = new FailureRateBreaker({ threshold: 0.5, minimumVolume: 4 }, new ManualClock());
    for (let i = 0; i < 6; i++) b.success();
    for (let i = 0; i < 5; i++) expect(b.failure()).toBe(false); // 5/11
    expect(b.failure()).toBe(true); // 6/12
    expect(b.snapshot()).toMatchObject({ successes: 6, failures: 6, failureRate: 0.5 });
  });

  it('expires old buckets as the rolling window moves', () => {
    const clock = new ManualClock();
    const b = new FailureRateBreaker(
      { threshold: 0.5, minimumVolume: 4, windowMs: 1000, buckets: 10 },
      clock,
    );
    b.failure();
    b.failure();
    b.failure(); // 3 failures at t=0
    clock.advance(500);
    b.success(); // t=500
    expect(b.snapshot()).toMatchObject({ failures: 3, successes: 1 });
    clock.advance(500); // t=1000: the t=0 bucket has left the window
    expect(b.snapshot()).toMatchObject({ failures: 0, successes: 1 });
    expect(b.failure()).toBe(false); // 1 of 2: below minimum volume
    clock.advance(499); // t=1499: the t=500 bucket is still in
    expect(b.snapshot()).toMatchObject({ failures: 1, successes: 1 });
    clock.advance(1); // t=1500
    expect(b.snapshot()).toMatchObject({ failures: 1, successes: 0 });
  });

  it('clears everything after a gap longer than the window', () => {
    const clock = new ManualClock(123);
    const b = new FailureRateBreaker({ minimumVolume: 1, threshold: 1 }, clock);
    for (let i = 0; i < 50; i++) b.success();
    clock.advance(60_000);
    expect(b.snapshot()).toMatchObject({ successes: 0, failures: 0, failureRate: 0 });
    expect(b.failure()).toBe(true);
  });

  it('names the bad key in its validation error', () => {
    expect(() => new FailureRateBreaker({ threshold: 1.5 })).toThrow(/threshold/);
    expect(() => new FailureRateBreaker({ windowMs: 5, buckets: 10 })).toThrow(/windowMs/);
  });
});
