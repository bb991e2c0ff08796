import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/common/rng.js';

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    const ys = Array.from({ length: 100 }, () => b.next());
    expect(xs).toEqual(ys);
    expect(new Set(xs).size).toBe(100);
  });

  it('gives different sequences for different seeds and forks', () => {
    const a = new SeededRandom(1);
    expect(a.next()).not.toBe(new SeededRandom(2).next());
    expect(a.fork('x').next()).not.toBe(a.fork('y').next());
    expect(a.fork('x').next()).toBe(new SeededRandom(1).fork('x').next());
  });

  it('draws ints in range and is roughly uniform', () => {
    const r = new SeededRandom(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.int(0, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
  });
});
