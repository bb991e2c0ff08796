import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConcurrencyLimiter } from '../../../src/stack/concurrency/concurrency-limiter.js';
import type { LimitSample, LimitSource } from '../../../src/stack/concurrency/limit-source.js';
import { isShedError, ShedError } from '../../../src/stack/concurrency/shed-error.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call held open until released by hand. */
function gate() {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const call = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      releases.set(name, () => resolve(name));
    });
  const release = async (name: string) => {
    releases.get(name)!();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { started, call, release };
}

describe('ConcurrencyLimiter', () => {
  it('runs up to the limit and queues the rest in FIFO order', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2, maxQueue: 10 });
    const g = gate();
    const results = ['a', 'b', 'c', 'd', 'e'].map((n) => limiter.execute(g.call(n)));
    await vi.advanceTimersByTimeAsync(0);
    expect(g.started).toEqual(['a', 'b']);
    expect(limiter.snapshot()).toEqual({ limit: 2, inFlight: 2, queued: 3, shed: 0 });
    await g.release('b');
    expect(g.started).toEqual(['a', 'b', 'c']);
    await g.release('a');
    expect(g.started).toEqual(['a', 'b', 'c', 'd']);
    // A newcomer does not jump the queue while others wait.
    const late = limiter.execute(g.call('late'));
    await g.release('c');
    expect(g.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    await g.release('d');
    await g.release('e');
    await g.release('late');
    await expect(Promise.all([...results, late])).resolves.toEqual(['a', 'b', 'c', 'd', 'e', 'late']);
    expect(limiter.snapshot()).toEqual({ limit: 2, inFlight: 0, queued: 0, shed: 0 });
  });

  it('sheds at once with 503 and Retry-After when the queue is full', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 1, retryAfterSeconds: 3 });
    const shed: string[] = [];
    limiter.onShed((e) => shed.push(`${e.reason}:${e.inFlight}:${e.queued}`));
    const g = gate();
    void limiter.execute(g.call('a'));
    void limiter.execute(g.call('b'));
    const err = await limiter.execute(g.call('c')).catch((e: unknown) => e);
    expect(isShedError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'FL_SHED',
      httpStatus: 503,
      retryAfterSeconds: 3,
      reason: 'queue-full',
    });
    expect(g.started).toEqual(['a']);
    expect(shed).toEqual(['queue-full:1:1']);
  });

  it('sheds with no queue at all when maxQueue is 0', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 0 });
    const g = gate();
    void limiter.execute(g.call('a'));
    await expect(limiter.execute(g.call('b'))).rejects.toBeInstanceOf(ShedError);
  });

  it('sheds a queued call after queueTimeoutMs and lets the queue move on', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 5, queueTimeoutMs: 200 });
    const g = gate();
    void limiter.execute(g.call('a'));
    const b = limiter.execute(g.call('b'));
    const check = expect(b).rejects.toMatchObject({ reason: 'queue-timeout', retryAfterSeconds: 1 });
    await vi.advanceTimersByTimeAsync(150);
    const c = limiter.execute(g.call('c'));
    await vi.advanceTimersByTimeAsync(50);
    await check;
    expect(limiter.snapshot()).toMatchObject({ inFlight: 1, queued: 1, shed: 1 });
    await g.release('a');
    expect(g.started).toEqual(['a', 'c']);
    await g.release('c');
    await expect(c).resolves.toBe('c');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes a queued call whose caller aborts', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const g = gate();
    void limiter.execute(g.call('a'));
    const ac = new AbortController();
    const b = limiter.execute(g.call('b'), ac.signal);
    ac.abort(new Error('gone'));
    await expect(b).rejects.toThrow('gone');
    expect(limiter.snapshot().queued).toBe(0);
    await g.release('a');
    expect(g.started).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('frees the slot when fn fails', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    await expect(limiter.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(
      limiter.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limiter.execute(async () => 'ok')).resolves.toBe('ok');
  });

  it('reads its limit from a LimitSource and reports successful calls to it', async () => {
    const samples: LimitSample[] = [];
    const source: LimitSource & { limit: number } = { limit: 1, sample: (s) => samples.push(s) };
    const clock = { now: () => Date.now() };
    const limiter = new ConcurrencyLimiter({ limit: source, clock });
    const g = gate();
    const a = limiter.execute(g.call('a'));
    const b = limiter.execute(g.call('b'));
    await vi.advanceTimersByTimeAsync(40);
    expect(g.started).toEqual(['a']);
    source.limit = 2; // takes effect at the next completion
    await g.release('a');
    expect(g.started).toEqual(['a', 'b']);
    expect(samples).toEqual([{ rttMs: 40, inFlight: 1 }]);
    await g.release('b');
    await Promise.all([a, b]);
    expect(samples).toHaveLength(2);
  });
});
