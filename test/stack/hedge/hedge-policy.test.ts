import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HedgeBudget } from '../../../src/stack/hedge/hedge-budget.js';
import { HedgePolicy } from '../../../src/stack/hedge/hedge-policy.js';
import type { PolicyContext } from '../../../src/stack/policy/policy.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now() };

interface Try {
  attempt: number;
  signal: AbortSignal;
}

/** An upstream whose answer time (or failure) depends on the attempt number. */
function upstream(plan: Record<number, number | Error>) {
  const tries: Try[] = [];
  const fn = (ctx: PolicyContext) => {
    tries.push({ attempt: ctx.attempt, signal: ctx.signal });
    const step = plan[ctx.attempt] ?? 1_000_000;
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(
        () => (step instanceof Error ? reject(step) : resolve(`answer ${ctx.attempt}`)),
        step instanceof Error ? 5 : step,
      );
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(ctx.signal.reason);
      });
    });
  };
  return { fn, tries };
}

/** A budget with tokens to spare, so single-call tests are not limited by it. */
const generous = { budget: { ratio: 1, burst: 5 } };

describe('HedgePolicy', () => {
  it('hedges after the delay; the faster attempt wins and the loser is aborted', async () => {
    const policy = new HedgePolicy({ delayMs: 10, ...generous }, { clock });
    const hedged: number[] = [];
    policy.onHedge((e) => hedged.push(e.delayMs));
    const { fn, tries } = upstream({ 0: 100, 1: 20 });
    const p = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(30);
    await expect(p).resolves.toBe('answer 1');
    expect(tries.map((t) => t.attempt)).toEqual([0, 1]);
    expect(tries[0]!.signal.aborted).toBe(true);
    expect((tries[0]!.signal.reason as DOMException).name).toBe('AbortError');
    expect(tries[1]!.signal.aborted).toBe(false);
    expect(hedged).toEqual([10]);
    expect(policy.snapshot()).toMatchObject({ requests: 1, hedges: 1, hedgeWins: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not hedge a call that answers before the delay', async () => {
    const policy = new HedgePolicy({ delayMs: 50, ...generous }, { clock });
    const { fn, tries } = upstream({ 0: 20 });
    const p = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(20);
    await expect(p).resolves.toBe('answer 0');
    expect(tries).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the primary when it wins, aborting the hedge', async () => {
    const policy = new HedgePolicy({ delayMs: 10, ...generous }, { clock });
    const { fn, tries } = upstream({ 0: 15, 1: 100 });
    const p = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(15);
    await expect(p).resolves.toBe('answer 0');
    expect(tries[1]!.signal.aborted).toBe(true);
    expect(policy.snapshot().hedgeWins).toBe(0);
  });

  it('waits for the other attempt when one fails, and fails only when all have', async () => {
    const policy = new HedgePolicy({ delayMs: 1, ...generous }, { clock });
    const one = upstream({ 0: 50, 1: new Error('hedge broke') });
    const p1 = policy.execute(one.fn);
    await vi.advanceTimersByTimeAsync(50);
    await expect(p1).resolves.toBe('answer 0');
    const both = upstream({ 0: new Error('first'), 1: new Error('second') });
    const p2 = policy.execute(both.fn);
    const check = expect(p2).rejects.toThrow('second');
    await vi.advanceTimersByTimeAsync(10);
    await check;
  });

  it('fails at once when the primary fails before any hedge started', async () => {
    const policy = new HedgePolicy({ delayMs: 100, ...generous }, { clock });
    const { fn, tries } = upstream({ 0: new Error('down') });
    const p = policy.execute(fn);
    const check = expect(p).rejects.toThrow('down');
    await vi.advanceTimersByTimeAsync(5);
    await check;
    expect(tries).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hedges at the observed p95 once it has enough samples', async () => {
    const policy = new HedgePolicy({ minSamples: 20, ...generous, window: { recomputeEvery: 1 } }, { clock });
    expect(policy.delayMs).toBeUndefined();
    for (let i = 0; i < 20; i++) {
      const { fn } = upstream({ 0: i < 19 ? 10 : 40 });
      const p = policy.execute(fn);
      await vi.advanceTimersByTimeAsync(40);
      await p;
    }
    expect(policy.snapshot().hedges).toBe(0);
    expect(policy.delayMs).toBe(10); // p95 of 19 × 10 ms and 1 × 40 ms
    const { fn, tries } = upstream({ 0: 500, 1: 10 });
    const p = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(9);
    expect(tries).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(11);
    await expect(p).resolves.toBe('answer 1');
  });

  it('bounds the extra load with its budget (≤ 5 % + burst)', async () => {
    const policy = new HedgePolicy({ delayMs: 5 }, { clock });
    const all: Promise<string>[] = [];
    for (let i = 0; i < 200; i++) all.push(policy.execute(upstream({ 0: 20, 1: 20 }).fn));
    await vi.advanceTimersByTimeAsync(30);
    await Promise.all(all);
    const { hedges, requests } = policy.snapshot();
    expect(requests).toBe(200);
    expect(hedges).toBeGreaterThan(0);
    expect(hedges).toBeLessThanOrEqual(200 * 0.05 + 3);
  });

  it("rejects with the caller's reason and aborts every attempt when the caller gives up", async () => {
    const policy = new HedgePolicy({ delayMs: 5, ...generous }, { clock });
    const ac = new AbortController();
    const { fn, tries } = upstream({});
    const p = policy.execute(fn, ac.signal);
    await vi.advanceTimersByTimeAsync(10);
    ac.abort(new Error('client left'));
    await expect(p).rejects.toThrow('client left');
    expect(tries).toHaveLength(2);
    expect(tries.every((t) => t.signal.aborted)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('HedgeBudget', () => {
  it('earns ratio per request up to burst and spends one per hedge', () => {
    const b = new HedgeBudget({ ratio: 0.25, burst: 2 });
    expect(b.tryHedge()).toBe(false);
    for (let i = 0; i < 4; i++) b.requestStarted();
    expect(b.tryHedge()).toBe(true);
    expect(b.tryHedge()).toBe(false);
    for (let i = 0; i < 100; i++) b.requestStarted();
    expect(b.available).toBe(2);
  });
});
