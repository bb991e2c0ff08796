import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import type { Breaker } from '../../../src/stack/breaker/breaker.js';

/**
 * The contract every Breaker strategy meets (style.md §8). `create` builds a fresh breaker on a
 * manual clock and says how many failures in a row open it from a fresh state.
 */
export function breakerContract(
  name: string,
  create: (clock: ManualClock) => { breaker: Breaker; failuresToOpen: number },
): void {
  describe(`Breaker contract: ${name}`, () => {
    it('does not open on fewer failures than failuresToOpen after successes', () => {
      const { breaker, failuresToOpen } = create(new ManualClock());
      for (let i = 0; i < 1000; i++) breaker.success();
      for (let i = 1; i < failuresToOpen; i++) expect(breaker.failure()).toBe(false);
    });

    it('opens eventually under failures only', () => {
      const { breaker, failuresToOpen } = create(new ManualClock());
      for (let i = 0; i < 10; i++) breaker.success();
      let opened = false;
      for (let i = 0; i < 1000 && !opened; i++) opened = breaker.failure();
      expect(opened).toBe(true);
      expect(failuresToOpen).toBeGreaterThan(0);
    });

    it('opens exactly on the last of failuresToOpen failures in a row', () => {
      const { breaker, failuresToOpen } = create(new ManualClock());
      for (let i = 1; i < failuresToOpen; i++) expect(breaker.failure(), `failure ${i}`).toBe(false);
      expect(breaker.failure()).toBe(true);
    });

    it('forgets everything on reset()', () => {
      const { breaker, failuresToOpen } = create(new ManualClock());
      for (let i = 1; i < failuresToOpen; i++) breaker.failure();
      breaker.reset();
      for (let i = 1; i < failuresToOpen; i++) expect(breaker.failure()).toBe(false);
      expect(breaker.failure()).toBe(true);
    });

    it('gives a plain-data snapshot with a type', () => {
      const { breaker } = create(new ManualClock());
      breaker.failure();
      const snap = breaker.snapshot();
      expect(typeof snap.type).toBe('string');
      expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
      expect(breaker.snapshot()).not.toBe(snap);
    });

    it('is independent per instance', () => {
      const clock = new ManualClock();
      const a = create(clock);
      const b = create(clock);
      for (let i = 1; i < a.failuresToOpen; i++) a.breaker.failure();
      expect(b.breaker.failure()).toBe(b.failuresToOpen === 1);
    });
  });
}
