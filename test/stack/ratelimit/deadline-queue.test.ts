import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from '../../../src/stack/ratelimit/deadline-queue.js';

describe('DeadlineQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires waiters in order at their deadline, skips cancelled ones, with one timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const q = new DeadlineQueue(50);
    const fired: string[] = [];
    q.add(() => fired.push('a'));
    const cancelB = q.add(() => fired.push('b'));
    vi.advanceTimersByTime(20);
    q.add(() => fired.push('c'));
    cancelB();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(29);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(19);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops waiters that settled in time on the next add: it holds the work in flight only', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const q = new DeadlineQueue(1000);
    const fired: number[] = [];
    // Up to 64 in flight (63 after each settles), 10,000 adds within one timeout.
    const cancels: (() => void)[] = [];
    for (let i = 0; i < 10_000; i++) {
      cancels.push(q.add(() => fired.push(i)));
      if (cancels.length === 64) (cancels.shift() as () => void)();
    }
    expect(q.size).toBeLessThanOrEqual(65);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(Array.from({ length: 63 }, (_, i) => 10_000 - 63 + i));
    expect(q.size).toBe(0);
  });
});
