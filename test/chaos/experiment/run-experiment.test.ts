import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExperimentInput, journalSchema, runExperiment } from '../../../src/chaos/experiment/index.js';
import type { Fault } from '../../../src/chaos/faults/fault.js';
import { SafetyController, SafetyRefusedError } from '../../../src/chaos/safety/index.js';
import { ClosePortFault, TEST_ENV, TestService, ThrowingFault } from './test-servers.js';

let service: TestService;
let safety: SafetyController;

beforeEach(async () => {
  service = await TestService.start();
  safety = new SafetyController({ env: TEST_ENV });
});

afterEach(async () => {
  await safety.emergencyStop('test cleanup');
  await service.stop();
});

const healthy = (s: TestService) => ({
  title: 'the service answers',
  frequency_ms: 100,
  probes: [
    { name: 'health-200', probe: { type: 'http' as const, url: `${s.url}/health` }, tolerance: 200 },
    { name: 'port-open', probe: { type: 'tcp' as const, port: s.port }, tolerance: true },
  ],
});

describe('runExperiment', () => {
  it('completes when the hypothesis holds before, during and after', async () => {
    const journal = await runExperiment(
      {
        title: 'holds',
        tags: ['t'],
        steady_state_hypothesis: healthy(service),
        method: [
          {
            type: 'probe',
            name: 'body',
            probe: { type: 'http', url: `${service.url}/health`, value: 'json' },
          },
          { type: 'pause', duration_ms: 400 },
        ],
        rollbacks: [
          { type: 'probe', name: 'still up', probe: { type: 'tcp', port: service.port }, tolerance: true },
        ],
      },
      { safety, seed: 7 },
    );
    expect(journal.rollbacks).toMatchObject([{ name: 'still up', status: 'succeeded', output: true }]);
    expect(() => journalSchema.parse(journal)).not.toThrow();
    expect(journal.status).toBe('completed');
    expect(journal.deviated).toBe(false);
    expect(journal.seed).toBe(7);
    expect(journal.steady_states.before?.met).toBe(true);
    expect(journal.steady_states.after?.met).toBe(true);
    expect(journal.steady_states.during.length).toBeGreaterThanOrEqual(1);
    expect(journal.steady_states.during.every((c) => c.met)).toBe(true);
    expect(journal.run.map((r) => [r.name, r.status])).toEqual([
      ['body', 'succeeded'],
      ['pause', 'succeeded'],
    ]);
    expect(journal.run[0]?.output).toMatchObject({ ok: true, status: 200 });
    expect(journal.error).toBeUndefined();
  });

  it('deviates when a fault breaks the service during the method, and reverts it after duration_ms', async () => {
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'deviates',
        steady_state_hypothesis: healthy(service),
        method: [{ type: 'action', name: 'close the port', fault, duration_ms: 600 }],
      },
      { safety, seed: 1 },
    );
    expect(journal.status).toBe('failed');
    expect(journal.deviated).toBe(true);
    expect(journal.error?.code).toBe('FL_DEVIATED');
    const bad = journal.steady_states.during.find((c) => !c.met);
    expect(bad?.probes.find((p) => p.name === 'port-open')).toMatchObject({
      value: false,
      tolerance_met: false,
    });
    expect(bad?.probes.find((p) => p.name === 'health-200')).toMatchObject({
      status: 'failed',
      tolerance_met: false,
    });
    // Reverted by its own end, so the service is back before the "after" check.
    expect(journal.steady_states.after?.met).toBe(true);
    expect(journal.faults).toHaveLength(1);
    const f = journal.faults[0]!;
    expect(f).toMatchObject({ kind: 'test.close_port', name: 'close-port', revert_reason: 'completed' });
    expect(f.reverted_ms! - f.injected_ms).toBeGreaterThanOrEqual(590);
    expect(fault.injects).toBe(1);
    expect(fault.reverts).toBe(1);
    expect(service.listening).toBe(true);
  });

  it('runs rollbacks and reverts active faults after an action throws', async () => {
    const closer = new ClosePortFault(service);
    const thrower = new ThrowingFault();
    let rolledBack = false;
    const journal = await runExperiment(
      {
        title: 'action throws',
        method: [
          { type: 'action', name: 'close', fault: closer },
          { type: 'action', name: 'explode', fault: thrower },
          { type: 'pause', name: 'never', duration_ms: 5000 },
        ],
        rollbacks: [
          {
            type: 'action',
            name: 'mark',
            run: () => {
              rolledBack = true;
              return 'done';
            },
          },
          { type: 'probe', name: 'port back', probe: { type: 'tcp', port: service.port }, tolerance: true },
        ],
      },
      { safety },
    );
    expect(journal.status).toBe('failed');
    expect(journal.error?.code).toBe('FL_ACTIVITY_FAILED');
    expect(journal.error?.message).toContain('injection exploded');
    expect(journal.run.map((r) => [r.name, r.status])).toEqual([
      ['close', 'succeeded'],
      ['explode', 'failed'],
      ['never', 'skipped'],
    ]);
    expect(rolledBack).toBe(true);
    expect(journal.rollbacks.map((r) => [r.name, r.status])).toEqual([
      ['mark', 'succeeded'],
      ['port back', 'succeeded'],
    ]);
    expect(journal.faults.map((f) => [f.name, f.revert_reason])).toEqual([
      ['close-port', 'rollback'],
      ['throwing', 'error'],
    ]);
    expect(journal.faults[1]?.error).toContain('inject failed');
    expect(thrower.reverts).toBe(1);
    expect(service.listening).toBe(true);
    expect(safety.active()).toEqual([]);
  });

  it('reverts a fault when its time to live expires', async () => {
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'ttl',
        method: [
          { type: 'action', name: 'close', fault, ttl_ms: 200 },
          { type: 'pause', duration_ms: 700 },
          { type: 'probe', name: 'open again', probe: { type: 'tcp', port: service.port }, tolerance: true },
        ],
      },
      { safety },
    );
    expect(journal.status).toBe('completed');
    const f = journal.faults[0]!;
    expect(f.revert_reason).toBe('ttl');
    expect(f.params.ttl_ms).toBe(200);
    expect(f.reverted_ms! - f.injected_ms).toBeGreaterThanOrEqual(150);
    expect(journal.run[2]).toMatchObject({ name: 'open again', status: 'succeeded', output: true });
  });

  it('fails without running the method when the steady state does not hold before, and still rolls back', async () => {
    service.status = 503;
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'not steady',
        steady_state_hypothesis: healthy(service),
        method: [{ type: 'action', name: 'close', fault }],
        rollbacks: [{ type: 'pause', name: 'rb', duration_ms: 1 }],
      },
      { safety },
    );
    expect(journal.status).toBe('failed');
    expect(journal.deviated).toBe(false);
    expect(journal.error?.code).toBe('FL_STEADY_STATE_NOT_MET');
    expect(journal.steady_states.before?.met).toBe(false);
    expect(journal.steady_states.before?.probes[0]).toMatchObject({ value: 503, tolerance_met: false });
    expect(journal.run).toEqual([]);
    expect(journal.steady_states.after).toBeNull();
    expect(journal.rollbacks).toHaveLength(1);
    expect(fault.injects).toBe(0);
  });

  it('is interrupted by the caller signal, reverts the fault and runs rollbacks', async () => {
    const fault = new ClosePortFault(service);
    const ac = new AbortController();
    const journal = await runExperiment(
      {
        title: 'interrupted',
        method: [
          { type: 'action', name: 'close', fault },
          { type: 'action', name: 'abort', run: () => ac.abort(new Error('operator')) },
          { type: 'pause', duration_ms: 10_000 },
        ],
        rollbacks: [
          { type: 'probe', name: 'port back', probe: { type: 'tcp', port: service.port }, tolerance: true },
        ],
      },
      { safety, signal: ac.signal },
    );
    expect(journal.status).toBe('interrupted');
    expect(journal.abort_reason).toContain('operator');
    expect(journal.run.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'skipped']);
    expect(journal.faults[0]?.revert_reason).toBe('rollback');
    expect(journal.rollbacks[0]?.status).toBe('succeeded');
    expect(journal.duration_ms).toBeLessThan(9000);
  });

  it('aborts when a user stop condition trips', async () => {
    const journal = await runExperiment(
      {
        title: 'guarded',
        stop_conditions: {
          interval_ms: 50,
          probes: [
            { name: 'service up', probe: { type: 'http', url: `${service.url}/health` }, tolerance: 200 },
          ],
        },
        method: [
          {
            type: 'action',
            name: 'break it',
            run: () => {
              service.status = 500;
            },
          },
          { type: 'pause', duration_ms: 10_000 },
        ],
      },
      { safety },
    );
    expect(journal.status).toBe('aborted');
    expect(journal.error?.code).toBe('FL_STOP_CONDITION');
    expect(journal.abort_reason).toMatch(/stop condition 'service up' tripped: probe value 500/);
    expect(journal.duration_ms).toBeLessThan(9000);
  });

  it('aborts at its time limit and still rolls back', async () => {
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'too long',
        max_duration_ms: 300,
        method: [
          { type: 'action', name: 'close', fault },
          { type: 'pause', duration_ms: 10_000 },
        ],
        rollbacks: [
          { type: 'probe', name: 'port back', probe: { type: 'tcp', port: service.port }, tolerance: true },
        ],
      },
      { safety },
    );
    expect(journal.rollbacks).toMatchObject([{ name: 'port back', status: 'succeeded', output: true }]);
    expect(journal.status).toBe('aborted');
    expect(journal.error?.code).toBe('FL_SAFETY_TIMEOUT');
    expect(journal.duration_ms).toBeGreaterThanOrEqual(290);
    expect(journal.duration_ms).toBeLessThan(9000);
    expect(journal.faults[0]?.revert_reason).toBe('rollback');
    expect(service.listening).toBe(true);
  });

  it('takes every random choice from the seed', async () => {
    const draws = async (seed: number) => {
      const values: number[] = [];
      const journal = await runExperiment(
        {
          title: 'seeded',
          method: [
            {
              type: 'action',
              name: 'draw',
              run: (ctx) => {
                values.push(ctx.rng.next(), ctx.rng.int(1, 1000));
                ctx.setMetric('draw', values[1]!);
              },
            },
          ],
        },
        { safety, seed },
      );
      return { values, journal };
    };
    const a = await draws(42);
    const b = await draws(42);
    const c = await draws(43);
    expect(a.values).toEqual(b.values);
    expect(a.values).not.toEqual(c.values);
    expect(a.journal.metrics.custom.draw).toBe(a.values[1]);
  });

  it('refuses to start outside a test environment', async () => {
    const prod = new SafetyController({ env: { ENVIRONMENT: 'production' } });
    const experiment: ExperimentInput = { title: 'x', method: [{ type: 'pause', duration_ms: 1 }] };
    await expect(runExperiment(experiment, { safety: prod })).rejects.toBeInstanceOf(SafetyRefusedError);
    await expect(runExperiment(experiment, { safety: prod })).rejects.toMatchObject({
      code: 'FL_SAFETY_REFUSED',
      exitCode: 3,
    });
  });

  it('runs background activities alongside the method', async () => {
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'background',
        method: [
          { type: 'action', name: 'close for a while', fault, duration_ms: 400, background: true },
          { type: 'pause', duration_ms: 100 },
          { type: 'probe', name: 'closed now', probe: { type: 'tcp', port: service.port }, tolerance: false },
        ],
      },
      { safety },
    );
    expect(journal.status).toBe('completed');
    const bg = journal.run.find((r) => r.name === 'close for a while');
    expect(bg).toMatchObject({ background: true, status: 'succeeded' });
    expect(bg!.duration_ms).toBeGreaterThanOrEqual(390);
    expect(journal.faults[0]?.revert_reason).toBe('completed');
  });

  it('runs the load section for the whole run and measures it under the fault windows', async () => {
    const fault = new ClosePortFault(service);
    const journal = await runExperiment(
      {
        title: 'with load',
        load: { kind: 'http', url: `${service.url}/health`, rate: 50, duration_ms: 1600, timeout_ms: 500 },
        recovery_tolerance: { error_rate: 0.01, p99_ms: 1000, stable_buckets: 2 },
        method: [
          { type: 'pause', duration_ms: 300 },
          { type: 'action', name: 'close', fault, duration_ms: 400 },
          {
            type: 'probe',
            name: 'error rate',
            probe: { type: 'load', metric: 'error_rate', window_ms: 1000 },
          },
          { type: 'pause', duration_ms: 500 },
        ],
      },
      { safety, seed: 3 },
    );
    expect(journal.status).toBe('completed');
    const load = journal.metrics.load!;
    expect(load.requests).toBeGreaterThan(20);
    expect(load.errors).toBeGreaterThan(0);
    expect(load.error_rate_under_fault).toBeGreaterThan(0);
    expect(load.timeline.length).toBeGreaterThan(5);
    const probe = journal.run.find((r) => r.name === 'error rate');
    expect(probe?.status).toBe('succeeded');
    expect(probe?.output as number).toBeGreaterThan(0);
    const f = journal.faults[0]!;
    expect(f.reverted_ms).not.toBeNull();
  });

  it('ends a fault window when its revert starts, so a slow revert counts toward recovery', async () => {
    // The revert reopens the port only after 400 ms, as a process restart would.
    const fault = new ClosePortFault(service);
    const slowRevert: Fault = {
      kind: fault.kind,
      name: 'slow-revert',
      params: fault.params,
      inject: () => fault.inject(),
      revert: async () => {
        await new Promise((r) => setTimeout(r, 400));
        await fault.revert();
      },
    };
    const journal = await runExperiment(
      {
        title: 'slow revert',
        load: { kind: 'http', url: `${service.url}/health`, rate: 50, duration_ms: 2000, timeout_ms: 300 },
        recovery_tolerance: { error_rate: 0.01, p99_ms: 1000, stable_buckets: 2 },
        method: [
          { type: 'pause', duration_ms: 300 },
          { type: 'action', name: 'close', fault: slowRevert, duration_ms: 300 },
          { type: 'pause', duration_ms: 900 },
        ],
      },
      { safety, seed: 5 },
    );
    const f = journal.faults[0]!;
    expect(f.revert_started_ms).not.toBeNull();
    expect(f.reverted_ms! - f.revert_started_ms!).toBeGreaterThanOrEqual(390);
    // Recovery is measured from the start of the revert: it covers the 400 ms the port stayed shut.
    expect(journal.metrics.load?.time_to_recover_ms).toBeGreaterThanOrEqual(350);
  });

  it('samples target processes (by pid or registered name) into metrics.targets', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const handle = safety.register({
      id: 'process:worker',
      kind: 'process',
      name: 'worker',
      pid: child.pid!,
      revert: async () => {
        child.kill('SIGKILL');
      },
    });
    try {
      const journal = await runExperiment(
        {
          title: 'targets',
          targets: [{ name: 'runner', pid: process.pid }, { name: 'worker' }],
          method: [
            {
              type: 'probe',
              name: 'worker alive',
              probe: { type: 'process', name: 'worker' },
              tolerance: true,
            },
            { type: 'pause', duration_ms: 600 },
          ],
        },
        { safety },
      );
      expect(journal.status).toBe('completed');
      expect(journal.metrics.targets.map((t) => t.name)).toEqual(['runner', 'worker']);
      for (const t of journal.metrics.targets) {
        expect(t.rss_mb_max).toBeGreaterThan(1);
        expect(t.cpu_percent_max).not.toBeNull();
        expect(t.event_loop_lag_ms_max).toBeNull();
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      await handle.revert('completed');
      await exited;
    }
  });

  it('does not wait for an action that ignores the signal once the run stops', async () => {
    const journal = await runExperiment(
      {
        title: 'hanging action',
        max_duration_ms: 200,
        method: [{ type: 'action', name: 'hang', run: () => new Promise(() => {}) }],
        rollbacks: [{ type: 'pause', name: 'rb', duration_ms: 1 }],
      },
      { safety },
    );
    expect(journal.status).toBe('aborted');
    expect(journal.run[0]).toMatchObject({ name: 'hang', status: 'failed' });
    expect(journal.run[0]?.error).toMatch(
      /^interrupted: experiment 'hanging action' exceeded its time limit of 200 ms/,
    );
    expect(journal.rollbacks[0]?.status).toBe('succeeded');
  });

  it('bounds a revert that hangs by the rollback timeout and reports the fault as not reverted', async () => {
    const stuck = {
      kind: 'test.stuck',
      name: 'stuck',
      params: {},
      inject: async () => {},
      revert: () => new Promise<void>(() => {}),
    };
    const journal = await runExperiment(
      {
        title: 'stuck revert',
        method: [
          { type: 'action', name: 'inject', fault: stuck },
          { type: 'action', name: 'fail', run: () => Promise.reject(new Error('nope')) },
        ],
      },
      { safety, rollbackTimeoutMs: 200 },
    );
    expect(journal.status).toBe('failed');
    expect(journal.faults[0]).toMatchObject({ name: 'stuck', reverted_ms: null, revert_reason: null });
    expect(journal.duration_ms).toBeLessThan(5000);
  });

  it('an http action succeeds on 2xx and fails on a status >= 400', async () => {
    const journal = await runExperiment(
      {
        title: 'http actions',
        method: [{ type: 'action', name: 'ok', http: { url: `${service.url}/health` } }],
        rollbacks: [
          { type: 'action', name: 'missing', http: { url: `${service.url}/nope`, method: 'POST' } },
        ],
      },
      { safety },
    );
    expect(journal.status).toBe('completed');
    expect(journal.run[0]).toMatchObject({
      status: 'succeeded',
      output: { status: 200, json: { ok: true } },
    });
    expect(journal.rollbacks[0]).toMatchObject({ status: 'failed', error: 'HTTP 404: not found' });
  });

  it('runs experiments in parallel on one safety controller, with faults of the same name', async () => {
    const other = await TestService.start();
    try {
      const run = (s: TestService) =>
        runExperiment(
          {
            title: 'parallel',
            method: [{ type: 'action', name: 'close', fault: new ClosePortFault(s), duration_ms: 200 }],
          },
          { safety },
        );
      const [a, b] = await Promise.all([run(service), run(other)]);
      expect([a.status, b.status]).toEqual(['completed', 'completed']);
      expect(a.faults[0]?.id).not.toBe(b.faults[0]?.id);
      expect(safety.active()).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
