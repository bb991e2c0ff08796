import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { AimdLimitFactor } from '../../../src/stack/ratelimit/aimd-limit-factor.js';

function window(f: AimdLimitFactor, clock: ManualClock, n: number, errors: number, latencyMs = 10): void {
  for (let i = 0; i < n; i++) f.record({ ok: i >= errors, latencyMs });
  clock.advance(1000);
}

describe('AimdLimitFactor', () => {
  it('halves on an error-rate breach, adds 0.1 per healthy window, stays within [minFactor, 1]', () => {
    const clock = new ManualClock();
    const f = new AimdLimitFactor({ targetErrorRate: 0.05, minFactor: 0.1 }, clock);
    const seen: number[] = [];
    window(f, clock, 20, 10);
    for (let i = 0; i < 5; i++) {
      window(f, clock, 20, 10);
      seen.push(f.factor);
    }
    expect(seen).toEqual([0.5, 0.25, 0.125, 0.1, 0.1]);
    const up: number[] = [];
    for (let i = 0; i < 12; i++) {
      window(f, clock, 20, 0);
      up.push(Math.round(f.factor * 100) / 100);
    }
    expect(up.slice(0, 3)).toEqual([0.1, 0.2, 0.3]);
    expect(up.at(-1)).toBe(1);
  });

  it('treats mean latency above the threshold as degraded', () => {
    const clock = new ManualClock();
    const f = new AimdLimitFactor({ latencyThresholdMs: 100 }, clock);
    window(f, clock, 20, 0, 300);
    f.record({ ok: true, latencyMs: 1 });
    expect(f.factor).toBe(0.5);
  });

  it('ignores windows with fewer than minSamples', () => {
    const clock = new ManualClock();
    const f = new AimdLimitFactor({ minSamples: 10 }, clock);
    window(f, clock, 5, 5);
    f.record({ ok: true, latencyMs: 1 });
    expect(f.factor).toBe(1);
  });

  it('rejects options out of range', () => {
    expect(() => new AimdLimitFactor({ decrease: 1.5 })).toThrow(/decrease/);
  });
});
