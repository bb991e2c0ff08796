import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { LatencyWindow } from '../../../src/stack/timeout/latency-window.js';

describe('LatencyWindow', () => {
  it('reads nearest-rank quantiles and nothing when empty', () => {
    const w = new LatencyWindow({ size: 100, recomputeEvery: 1 });
    expect(w.quantile(0.5)).toBeUndefined();
    for (let i = 1; i <= 100; i++) w.record(i);
    expect(w.quantile(0.5)).toBe(50);
    expect(w.quantile(0.95)).toBe(95);
    expect(w.quantile(0.99)).toBe(99);
    expect(w.quantile(1)).toBe(100);
    expect(w.quantile(0)).toBe(1);
  });

  it('forgets the oldest samples once full', () => {
    const w = new LatencyWindow({ size: 10, recomputeEvery: 1 });
    for (let i = 0; i < 10; i++) w.record(1000);
    for (let i = 0; i < 10; i++) w.record(5);
    expect(w.count).toBe(10);
    expect(w.recorded).toBe(20);
    expect(w.quantile(1)).toBe(5);
  });

  it('serves a cached quantile until recomputeEvery new samples arrive', () => {
    const w = new LatencyWindow({ size: 100, recomputeEvery: 4 });
    w.record(10);
    expect(w.quantile(1)).toBe(10);
    for (let i = 0; i < 3; i++) w.record(99);
    expect(w.quantile(1)).toBe(10);
    w.record(99);
    expect(w.quantile(1)).toBe(99);
  });

  it('ignores negative and non-finite samples', () => {
    const w = new LatencyWindow();
    w.record(-1);
    w.record(Number.NaN);
    w.record(Number.POSITIVE_INFINITY);
    expect(w.count).toBe(0);
    w.clear();
    expect(w.quantile(0.5)).toBeUndefined();
  });

  it('agrees with a full sort on random data with duplicates', () => {
    const rng = new SeededRandom(3);
    for (const size of [8, 100, 1024]) {
      const w = new LatencyWindow({ size, recomputeEvery: 1 });
      const all: number[] = [];
      for (let i = 0; i < size * 2; i++) {
        const v = rng.int(0, 20) * 1.5;
        w.record(v);
        all.push(v);
      }
      const held = all.slice(-size).sort((a, b) => a - b);
      for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 1]) {
        expect(w.quantile(q), `size ${size} q ${q}`).toBe(held[Math.max(0, Math.ceil(q * size) - 1)]);
      }
    }
  });
});
