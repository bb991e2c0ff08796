import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/common/clock.js';

describe('ManualClock', () => {
  it('fires timers during advance, in due order, each at its own time', () => {
    const clock = new ManualClock(100);
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 50);
    clock.setTimer(() => fired.push(['a', clock.now()]), 20);
    const cancelled = clock.setTimer(() => fired.push(['x', clock.now()]), 30);
    clock.setTimer(() => fired.push(['c', clock.now()]), 50);
    cancelled.cancel();
    expect(clock.pendingTimers).toBe(3);
    clock.advance(40);
    expect(fired).toEqual([['a', 120]]);
    expect(clock.now()).toBe(140);
    clock.advance(10);
    expect(fired).toEqual([
      ['a', 120],
      ['b', 150],
      ['c', 150],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer a callback schedules when it falls due in the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 10);
    }, 10);
    clock.advance(100);
    expect(fired).toEqual([10, 20]);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('has a system counterpart on real timers', async () => {
    const start = systemClock.now();
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 5));
    expect(systemClock.now()).toBeGreaterThanOrEqual(start);
    let ran = false;
    systemClock
      .setTimer(() => {
        ran = true;
      }, 1)
      .cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 20));
    expect(ran).toBe(false);
  });
});
