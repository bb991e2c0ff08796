import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { BrokenCircuitError } from '../../../src/stack/breaker/broken-circuit-error.js';
import { ShedError } from '../../../src/stack/concurrency/shed-error.js';
import type { PolicyContext } from '../../../src/stack/policy/policy.js';
import { createRoutePolicies } from '../../../src/stack/policy/route-policies.js';
import { DuplicateStageError, stageOrder } from '../../../src/stack/policy/stages.js';
import { AdaptiveTimeout } from '../../../src/stack/timeout/adaptive-timeout.js';
import { TimeoutError } from '../../../src/stack/timeout/timeout-error.js';
import { TimeoutPolicy } from '../../../src/stack/timeout/timeout-policy.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now() };
const hang = (ctx: PolicyContext) =>
  new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));

describe('createRoutePolicies', () => {
  it('builds the documented defaults from an empty config, in stage order', async () => {
    const r = createRoutePolicies();
    expect([r.limiter, r.breaker, r.hedge]).toEqual([undefined, undefined, undefined]);
    expect(r.timeouts.connectMs).toBe(1000);
    expect(r.timeouts.overall.timeoutMs).toBe(15_000);
    expect(r.timeouts.perTry).toBeInstanceOf(TimeoutPolicy);
    expect((r.timeouts.perTry as TimeoutPolicy).timeoutMs).toBe(5000);
    expect(r.retry.maxAttempts).toBe(3);
    expect(r.retry.budget?.snapshot()).toMatchObject({ type: 'rate', windowMs: 10_000 });
    expect(r.stages.map((s) => s.name)).toEqual(['overall-timeout', 'retry', 'per-try-timeout']);
    await expect(r.policy.execute(async (ctx) => ctx.attempt)).resolves.toBe(0);
  });

  it('places shared stages by name and refuses two policies for one stage', async () => {
    const seen: string[] = [];
    const tracer = (name: string) => ({
      execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
        seen.push(name);
        return fn({ signal: signal ?? new AbortController().signal, attempt: 0 });
      },
    });
    const r = createRoutePolicies(
      { concurrency: { limit: 4 }, breaker: {} },
      {
        clock,
        stages: [
          { name: 'global-concurrency', policy: tracer('global') },
          { name: 'rate-limit', policy: tracer('rate-limit') },
        ],
      },
    );
    const names = r.stages.map((s) => s.name);
    expect(names).toEqual([
      'overall-timeout',
      'rate-limit',
      'global-concurrency',
      'concurrency',
      'breaker',
      'retry',
      'per-try-timeout',
    ]);
    expect(names).toEqual(stageOrder.filter((n) => names.includes(n)));
    const request = { method: 'GET', path: '/x', headers: {} };
    await expect(r.policy.execute(async (ctx) => ctx.request, undefined, request)).resolves.toBe(request);
    expect(seen).toEqual(['rate-limit', 'global']);
    expect(() =>
      createRoutePolicies({ concurrency: {} }, { stages: [{ name: 'concurrency', policy: tracer('x') }] }),
    ).toThrow(DuplicateStageError);
  });

  it('leaves the deadlines to a caller that applies them itself', () => {
    const r = createRoutePolicies({ timeouts: { perTryMs: 100 } }, { deadlines: 'caller' });
    expect(r.stages.map((s) => s.name)).toEqual(['retry']);
    expect((r.timeouts.perTry as TimeoutPolicy).timeoutMs).toBe(100);
  });

  it('retries a hung try after its per-try deadline, on the next attempt', async () => {
    const r = createRoutePolicies(
      { timeouts: { perTryMs: 100, overallMs: 1000 }, retry: { maxRetries: 2 } },
      { clock, random: new SeededRandom(1) },
    );
    const attempts: number[] = [];
    const p = r.policy.execute(async (ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 2) return hang(ctx);
      return 'third time lucky';
    });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(p).resolves.toBe('third time lucky');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('stops retrying at the overall deadline', async () => {
    const r = createRoutePolicies(
      {
        timeouts: { perTryMs: 300, overallMs: 500 },
        retry: { maxRetries: 9, backoff: { type: 'constant', ms: 0 } },
      },
      { clock },
    );
    const attempts: number[] = [];
    const p = r.policy.execute((ctx) => {
      attempts.push(ctx.attempt);
      return hang(ctx);
    });
    const check = expect(p).rejects.toMatchObject({ scope: 'overall' });
    await vi.advanceTimersByTimeAsync(2000);
    await check;
    expect(attempts).toEqual([0, 1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts whole requests in the breaker (all tries) and fails fast once it opens', async () => {
    const r = createRoutePolicies(
      {
        retry: { maxRetries: 2, backoff: { type: 'constant', ms: 0 } },
        breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 5000 },
      },
      { clock },
    );
    let calls = 0;
    const down = async () => {
      calls++;
      throw new Error('upstream 500');
    };
    await expect(r.policy.execute(down)).rejects.toThrow('upstream 500');
    expect(calls).toBe(3);
    expect(r.breaker?.state).toBe('closed');
    await expect(r.policy.execute(down)).rejects.toThrow('upstream 500');
    expect(calls).toBe(6);
    expect(r.breaker?.state).toBe('open');
    await expect(r.policy.execute(down)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(6);
  });

  it('counts a request cut by the overall deadline as a breaker failure, not as the caller leaving', async () => {
    const r = createRoutePolicies(
      {
        timeouts: { perTryMs: 10_000, overallMs: 100 },
        breaker: { strategy: { type: 'consecutive', threshold: 1 }, halfOpenAfter: 5000 },
      },
      { clock },
    );
    const p = r.policy.execute(hang);
    const check = expect(p).rejects.toMatchObject({ scope: 'overall' });
    await vi.advanceTimersByTimeAsync(200);
    await check;
    expect(r.breaker?.state).toBe('open');
    // A caller that gives up is not the upstream's fault.
    const r2 = createRoutePolicies(
      { breaker: { strategy: { type: 'consecutive', threshold: 1 }, halfOpenAfter: 5000 } },
      { clock },
    );
    const ac = new AbortController();
    const p2 = r2.policy.execute(hang, ac.signal);
    ac.abort(new Error('client gone'));
    await expect(p2).rejects.toThrow('client gone');
    expect(r2.breaker?.state).toBe('closed');
  });

  it('sheds through the limiter before anything else runs', async () => {
    const r = createRoutePolicies(
      { concurrency: { limit: 1, maxQueue: 0, retryAfterSeconds: 2 } },
      { clock },
    );
    void r.policy.execute(hang);
    await expect(r.policy.execute(async () => 'x')).rejects.toEqual(expect.any(ShedError));
  });

  it('shares one latency window between an adaptive per-try timeout and the hedge', () => {
    const r = createRoutePolicies({ timeouts: { adaptive: {} }, hedge: {} }, { clock });
    expect(r.timeouts.perTry).toBeInstanceOf(AdaptiveTimeout);
    expect(r.hedge?.latency).toBe((r.timeouts.perTry as AdaptiveTimeout).latency);
    expect(r.timeouts.connectMs).toBe(1000);
  });

  it('names the bad key', () => {
    expect(() => createRoutePolicies({ retry: { maxRetries: -1 } })).toThrow(/retry.*maxRetries|maxRetries/s);
    expect(() => createRoutePolicies({ retry: { budget: { percent: -5 } } })).toThrow(/percent/);
    expect(() => createRoutePolicies({ concurrency: { limit: { type: 'adaptive', minLimit: 0 } } })).toThrow(
      /minLimit/,
    );
  });

  it('reports per-try timeouts as TimeoutError when tries run out', async () => {
    const r = createRoutePolicies(
      { timeouts: { perTryMs: 50 }, retry: { maxRetries: 1, backoff: { type: 'constant', ms: 0 } } },
      { clock },
    );
    const p = r.policy.execute(hang);
    const check = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(200);
    await check;
  });

  it('never retries or hedges a request that must not be sent twice', async () => {
    const r = createRoutePolicies(
      { retry: { maxRetries: 2, backoff: { type: 'constant', ms: 0 } }, hedge: { delayMs: 1 } },
      { clock },
    );
    const run = async (method: string, headers?: Record<string, string>) => {
      const attempts: number[] = [];
      const p = r.policyFor(method, headers).execute(async (ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('500');
      });
      const check = expect(p).rejects.toThrow('500');
      await vi.advanceTimersByTimeAsync(10);
      await check;
      return attempts;
    };
    expect(await run('POST')).toEqual([0]);
    expect(await run('POST', { 'idempotency-key': 'k' })).toEqual([0, 1, 2]);
    expect(await run('GET')).toEqual([0, 1, 2]);
    expect(r.without('retry', 'hedge')).toBe(r.policyFor('PATCH'));
    expect(r.without('hedge', 'retry')).toBe(r.policyFor('PATCH'));
  });
});
