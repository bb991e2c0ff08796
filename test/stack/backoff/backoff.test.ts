import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { createBackoff } from '../../../src/stack/backoff/backoff-config.js';
import { ConstantBackoff } from '../../../src/stack/backoff/constant-backoff.js';
import { DecorrelatedJitterBackoff } from '../../../src/stack/backoff/decorrelated-jitter-backoff.js';
import { FullJitterBackoff } from '../../../src/stack/backoff/full-jitter-backoff.js';

const sequence = (b: { delay(a: number, p: number): number }, n: number) => {
  const out: number[] = [];
  let prev = 0;
  for (let a = 1; a <= n; a++) {
    prev = b.delay(a, prev);
    out.push(prev);
  }
  return out;
};

describe('FullJitterBackoff', () => {
  it("defaults to Envoy's 25 ms base and 250 ms cap, doubling the ceiling per attempt", () => {
    const b = new FullJitterBackoff({}, new SeededRandom(9));
    expect([b.baseMs, b.capMs]).toEqual([25, 250]);
    let maxSeen = 0;
    for (let round = 0; round < 2000; round++) {
      for (let a = 1; a <= 8; a++) {
        const d = b.delay(a);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(250, 25 * 2 ** (a - 1)));
        maxSeen = Math.max(maxSeen, d);
      }
    }
    expect(maxSeen).toBeGreaterThan(240); // the whole interval is used
  });

  it('is deterministic from a seed or a supplied random function', () => {
    expect(sequence(new FullJitterBackoff({}, new SeededRandom(5)), 10)).toEqual(
      sequence(new FullJitterBackoff({}, new SeededRandom(5)), 10),
    );
    expect(sequence(new FullJitterBackoff({}, new SeededRandom(5)), 10)).not.toEqual(
      sequence(new FullJitterBackoff({}, new SeededRandom(6)), 10),
    );
    expect(sequence(new FullJitterBackoff({ baseMs: 10, capMs: 100 }, () => 0.5), 5)).toEqual([
      5, 10, 20, 40, 50,
    ]);
  });

  it('rejects a cap below the base, naming the key', () => {
    expect(() => new FullJitterBackoff({ baseMs: 100, capMs: 10 })).toThrow(/capMs/);
  });
});

describe('DecorrelatedJitterBackoff', () => {
  it('stays within [base, cap] and depends on the previous delay', () => {
    const b = new DecorrelatedJitterBackoff({ baseMs: 10, capMs: 1000 }, new SeededRandom(2));
    const s = sequence(b, 500);
    for (const d of s) {
      expect(d).toBeGreaterThanOrEqual(10);
      expect(d).toBeLessThanOrEqual(1000);
    }
    expect(s).toContain(1000);
    // With random() = 1 it triples each time until the cap.
    expect(sequence(new DecorrelatedJitterBackoff({ baseMs: 10, capMs: 200 }, () => 1), 5)).toEqual([
      10, 30, 90, 200, 200,
    ]);
    expect(sequence(new DecorrelatedJitterBackoff({ baseMs: 10, capMs: 200 }, () => 0), 3)).toEqual([
      10, 10, 10,
    ]);
  });

  it('is deterministic from a seed', () => {
    const a = sequence(new DecorrelatedJitterBackoff({}, new SeededRandom(4)), 20);
    expect(a).toEqual(sequence(new DecorrelatedJitterBackoff({}, new SeededRandom(4)), 20));
  });
});

describe('createBackoff', () => {
  it('builds each type from config', () => {
    expect(createBackoff({ type: 'constant', ms: 7 }).delay(3, 0)).toBe(7);
    expect(createBackoff({ type: 'full-jitter' }, () => 0.5).delay(1, 0)).toBe(12.5);
    expect(createBackoff({ type: 'decorrelated-jitter', baseMs: 5 }, () => 0)).toBeInstanceOf(
      DecorrelatedJitterBackoff,
    );
    expect(() => new ConstantBackoff(-1)).toThrow(RangeError);
  });
});
