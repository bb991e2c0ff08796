import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  DuplicateRegistrationError,
  EmergencyStopError,
  type RevertOutcome,
  SafetyController,
  SafetyTimeoutError,
} from '../../../src/chaos/safety/index.js';

const env = { ENVIRONMENT: 'test' };

function revertible(id: string, revert: () => Promise<void> = async () => {}) {
  return { id, kind: 'test', name: id, revert };
}

function never(): Promise<void> {
  return new Promise(() => {});
}

describe('SafetyController registry', () => {
  it('reverts a registration once, whoever asks, and reports the first reason', async () => {
    const safety = new SafetyController({ env });
    let reverts = 0;
    const handle = safety.register(
      revertible('a', async () => {
        reverts++;
      }),
    );
    expect(handle.active).toBe(true);
    expect(safety.active().map((r) => r.id)).toEqual(['a']);
    const [first, second] = await Promise.all([handle.revert('rollback'), handle.revert('emergency')]);
    expect(reverts).toBe(1);
    expect(first.reason).toBe('rollback');
    expect(second).toBe(first);
    expect(handle.active).toBe(false);
    expect(safety.active()).toEqual([]);
    expect((await handle.reverted).reason).toBe('rollback');
  });

  it('reverts when the time to live expires', async () => {
    const safety = new SafetyController({ env });
    const registered = performance.now();
    const handle = safety.register(revertible('ttl'), { ttlMs: 100 });
    const outcome = await handle.reverted;
    expect(outcome.reason).toBe('ttl');
    expect(outcome.at - registered).toBeGreaterThanOrEqual(95);
    expect(safety.active()).toEqual([]);
  });

  it('release forgets without reverting, and cancels the TTL', async () => {
    const safety = new SafetyController({ env });
    let reverted = false;
    const handle = safety.register(
      revertible('r', async () => {
        reverted = true;
      }),
      { ttlMs: 20 },
    );
    handle.release();
    await new Promise((r) => setTimeout(r, 60));
    expect(reverted).toBe(false);
    expect(safety.active()).toEqual([]);
  });

  it('records a revert that throws, with the error', async () => {
    const safety = new SafetyController({ env });
    const seen: RevertOutcome[] = [];
    safety.onRevert((o) => seen.push(o));
    const handle = safety.register(
      revertible('boom', async () => {
        throw new Error('cannot');
      }),
    );
    const o = await handle.revert('completed');
    expect(o.error).toBe('cannot');
    expect(seen).toEqual([o]);
  });

  it('refuses a duplicate active id', () => {
    const safety = new SafetyController({ env });
    safety.register(revertible('x'));
    expect(() => safety.register(revertible('x'))).toThrow(DuplicateRegistrationError);
  });

  it('finds a registered process pid by name', () => {
    const safety = new SafetyController({ env });
    safety.register({ id: 'p', kind: 'process', name: 'api', pid: 1234, revert: async () => {} });
    expect(safety.pidOf('api')).toBe(1234);
    expect(safety.pidOf('nope')).toBeUndefined();
  });
});

describe('SafetyController emergency stop', () => {
  it('reverts everything in parallel within the budget, even when one revert hangs', async () => {
    const safety = new SafetyController({ env, emergencyBudgetMs: 300 });
    const order: string[] = [];
    const slow = (id: string) =>
      revertible(id, async () => {
        await new Promise((r) => setTimeout(r, 150));
        order.push(id);
      });
    safety.register(slow('a'));
    safety.register(slow('b'));
    safety.register(slow('c'));
    safety.register(revertible('stuck', never));
    let firedWith = '';
    safety.onEmergencyStop((r) => {
      firedWith = r;
    });
    const started = performance.now();
    const report = await safety.emergencyStop('test');
    const took = performance.now() - started;
    expect(firedWith).toBe('test');
    expect(report.reverted.sort()).toEqual(['a', 'b', 'c']);
    expect(report.pending).toEqual(['stuck']);
    // Three 150 ms reverts in parallel, then the budget: not 3 × 150 ms in sequence plus forever.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5000);
    expect(safety.signal.aborted).toBe(true);
    expect(safety.signal.reason).toBeInstanceOf(EmergencyStopError);
    expect(await safety.emergencyStop('again')).toBe(report);
  });

  it('refuses new registrations after the emergency stop', async () => {
    const safety = new SafetyController({ env });
    await safety.emergencyStop('stop');
    expect(() => safety.register(revertible('late'))).toThrow(EmergencyStopError);
    expect(() => safety.assertSafe()).toThrow(/emergency stop has fired/);
  });

  it('runs finalizers within their budget', async () => {
    const safety = new SafetyController({ env });
    let done = false;
    safety.addFinalizer(async () => {
      done = true;
    });
    const d = safety.addFinalizer(never);
    const started = performance.now();
    await safety.runFinalizers(100);
    expect(done).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    d.dispose();
    await safety.runFinalizers(10_000); // the hanging one is gone: returns at once
  });
});

describe('SafetyController time limits', () => {
  it('aborts an experiment at the smallest of its own limit and CHAOS_MAX_DURATION', async () => {
    const safety = new SafetyController({ env: { ...env, CHAOS_MAX_DURATION: '0.1' } });
    const budget = safety.beginExperiment('e', 60_000);
    expect(budget.limitMs).toBe(100);
    await new Promise((r) => budget.signal.addEventListener('abort', r));
    expect(budget.signal.reason).toBeInstanceOf(SafetyTimeoutError);
    expect((budget.signal.reason as SafetyTimeoutError).message).toBe(
      "experiment 'e' exceeded its time limit of 100 ms",
    );
    const own = safety.beginExperiment('f', 50);
    expect(own.limitMs).toBe(50);
    own.end();
  });

  it('enforces the whole-run limit across experiments', async () => {
    const safety = new SafetyController({ env, maxRunMs: 80 });
    const first = safety.beginExperiment('one');
    expect(first.limitMs).toBeLessThanOrEqual(80);
    await new Promise((r) => first.signal.addEventListener('abort', r));
    expect((first.signal.reason as Error).message).toBe('the run exceeded its time limit of 80 ms');
    expect(() => safety.beginExperiment('two')).toThrow(SafetyTimeoutError);
  });
});
