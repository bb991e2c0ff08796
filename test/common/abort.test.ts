import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkAbort, neverAbortedSignal, onAbort, sleep } from '../../src/common/abort.js';
import { TimeoutPolicy } from '../../src/stack/timeout/timeout-policy.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('abort helpers', () => {
  it('gives a shared signal one real listener however many calls wait on it', async () => {
    const ac = new AbortController();
    const policy = new TimeoutPolicy({ timeoutMs: 10_000 });
    const calls = Array.from({ length: 50 }, () =>
      policy.execute((ctx) => sleep(60_000, ctx.signal), ac.signal).catch((e: Error) => e.message),
    );
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    ac.abort(new Error('shutdown'));
    expect(await Promise.all(calls)).toEqual(Array(50).fill('shutdown'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('calls only the listeners still subscribed', () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const offA = onAbort(ac.signal, () => seen.push('a'));
    onAbort(ac.signal, () => seen.push('b'));
    offA();
    ac.abort();
    expect(seen).toEqual(['b']);
  });

  it('adds nothing to the never-aborted default signal', () => {
    const link = linkAbort(neverAbortedSignal);
    expect(getEventListeners(neverAbortedSignal, 'abort')).toHaveLength(0);
    link.abort(new Error('inner'));
    expect(link.signal.aborted).toBe(true);
    expect(neverAbortedSignal.aborted).toBe(false);
  });

  it('links a child to its parent and unlinks on dispose', () => {
    const parent = new AbortController();
    const a = linkAbort(parent.signal);
    const b = linkAbort(parent.signal);
    b.dispose();
    parent.abort(new Error('p'));
    expect(a.signal.reason).toEqual(new Error('p'));
    expect(b.signal.aborted).toBe(false);
    const late = linkAbort(parent.signal);
    expect(late.signal.aborted).toBe(true);
  });
});
