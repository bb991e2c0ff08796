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
});
