import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionSlots } from '../../../src/stack/gateway/connection-slots.js';
import { UpstreamPoolExhaustedError } from '../../../src/stack/gateway/gateway-errors.js';

const never = new AbortController().signal;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionSlots', () => {
  it('admits up to max at once, then hands freed slots to waiters in FIFO order', async () => {
    const slots = new ConnectionSlots('h', 2, 1000, 1);
    await slots.acquire(never);
    await slots.acquire(never);
    const order: number[] = [];
    const w1 = slots.acquire(never).then(() => order.push(1));
    const w2 = slots.acquire(never).then(() => order.push(2));
    expect([slots.inUse, slots.queued]).toEqual([2, 2]);
    slots.release();
    await w1;
    slots.release();
    await w2;
    expect(order).toEqual([1, 2]);
    expect([slots.inUse, slots.queued]).toEqual([2, 0]);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it('sheds a waiter after the queue timeout with a typed 503 carrying Retry-After', async () => {
    const slots = new ConnectionSlots('http://h:1', 1, 250, 3);
    await slots.acquire(never);
    const waiting = slots.acquire(never);
    const caught = waiting.catch((e: unknown) => e);
    vi.advanceTimersByTime(249);
    expect(slots.queued).toBe(1);
    vi.advanceTimersByTime(1);
    const err = await caught;
    expect(err).toBeInstanceOf(UpstreamPoolExhaustedError);
    expect(err).toMatchObject({ code: 'FL_GW_POOL_EXHAUSTED', httpStatus: 503, retryAfterSeconds: 3 });
    expect(slots.queued).toBe(0);
  });

  it('sheds at once with a zero queue timeout, and leaves the queue on abort', async () => {
    const none = new ConnectionSlots('h', 1, 0, 1);
    await none.acquire(never);
    await expect(none.acquire(never)).rejects.toBeInstanceOf(UpstreamPoolExhaustedError);

    const slots = new ConnectionSlots('h', 1, 10_000, 1);
    await slots.acquire(never);
    const ac = new AbortController();
    const waiting = slots.acquire(ac.signal).catch((e: unknown) => e);
    ac.abort(new Error('gone'));
    expect(await waiting).toMatchObject({ message: 'gone' });
    expect(slots.queued).toBe(0);
    slots.release();
    expect(slots.inUse).toBe(0);
    await expect(slots.acquire(ac.signal)).rejects.toMatchObject({ message: 'gone' });
  });
});
