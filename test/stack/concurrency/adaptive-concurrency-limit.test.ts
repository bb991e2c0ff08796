import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { AdaptiveConcurrencyLimit } from '../../../src/stack/concurrency/adaptive-concurrency-limit.js';

function setup() {
  const clock = new ManualClock();
  const limit = new AdaptiveConcurrencyLimit(
    {
      initialLimit: 20,
      minLimit: 3,
      maxLimit: 200,
      minRttSamples: 10,
      sampleWindowMs: 100,
      minRttIntervalMs: 60_000,
    },
    { clock, random: new SeededRandom(1) },
  );
  /** Feeds one sample window's worth of calls at `rtt` ms and closes the window. */
  const window = (rtt: number, calls = 10) => {
    for (let i = 0; i < calls; i++) {
      clock.advance(100 / calls);
      limit.sample({ rttMs: rtt, inFlight: 1 });
    }
  };
  return { clock, limit, window };
}

describe('AdaptiveConcurrencyLimit', () => {
  it('holds minLimit while measuring minRTT, then starts from initialLimit', () => {
    const { limit } = setup();
    expect(limit.snapshot()).toMatchObject({ limit: 3, phase: 'measuring-min-rtt' });
    for (let i = 0; i < 10; i++) limit.sample({ rttMs: 10 + (i % 3), inFlight: 1 });
    expect(limit.snapshot()).toMatchObject({ limit: 20, phase: 'running', minRttMs: 11 });
  });

  it('applies gradient × limit + √limit per window', () => {
    const { limit, window } = setup();
    window(10); // minRTT = 10
    const changes: number[] = [];
    limit.onLimitChange((e) => changes.push(e.gradient));
    window(12.5); // gradient = 10 × 1.25 / 12.5 = 1 → 20 + √20
    expect(limit.limit).toBe(Math.floor(20 + Math.sqrt(20)));
    expect(changes).toEqual([1]);
  });

  it('shrinks when RTT rises and grows back when it recedes', () => {
    const { limit, window } = setup();
    window(10);
    for (let i = 0; i < 5; i++) window(10);
    const grown = limit.limit;
    expect(grown).toBeGreaterThan(20);
    const trace: number[] = [];
    for (let i = 0; i < 6; i++) {
      window(80); // queueing: 8 × minRTT
      trace.push(limit.limit);
    }
    for (let k = 1; k < trace.length; k++) expect(trace[k]).toBeLessThanOrEqual(trace[k - 1]!);
    expect(trace.at(-1)).toBeLessThan(grown / 4);
    expect(limit.snapshot().gradient).toBe(0.5); // clamped
    for (let i = 0; i < 6; i++) window(10);
    expect(limit.limit).toBeGreaterThan(trace.at(-1)! * 4);
  });

  it('never leaves [minLimit, maxLimit]', () => {
    const { limit, window } = setup();
    window(10);
    for (let i = 0; i < 50; i++) window(1000);
    // With the gradient clamped at 0.5 the limit settles where L = 0.5 L + √L, i.e. 4.
    expect(limit.limit).toBe(4);
    const clock = new ManualClock();
    const floored = new AdaptiveConcurrencyLimit({ minLimit: 8, minRttSamples: 1 }, { clock });
    floored.sample({ rttMs: 10, inFlight: 1 });
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      floored.sample({ rttMs: 1000, inFlight: 1 });
    }
    expect(floored.snapshot()).toMatchObject({ limit: 8, gradient: 0.5 });
    for (let i = 0; i < 50; i++) window(1);
    expect(limit.limit).toBe(200);
  });

  it('re-measures minRTT after the interval, at minLimit, then resumes its limit', () => {
    const { limit, window, clock } = setup();
    window(10);
    for (let i = 0; i < 5; i++) window(10);
    const before = limit.limit;
    clock.advance(70_000); // past the interval plus its ≤ 15 % jitter
    limit.sample({ rttMs: 10, inFlight: 1 }); // closes a window, then starts re-measuring
    expect(limit.snapshot()).toMatchObject({ phase: 'measuring-min-rtt', limit: 3 });
    window(30); // the upstream got slower at rest: the new minRTT is 30 ms
    expect(limit.snapshot()).toMatchObject({ phase: 'running', minRttMs: 30 });
    expect(limit.limit).toBeGreaterThanOrEqual(before);
  });

  it('validates its options', () => {
    expect(() => new AdaptiveConcurrencyLimit({ minLimit: 10, maxLimit: 5 })).toThrow(/maxLimit/);
  });
});
