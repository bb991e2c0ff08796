import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Journal } from '../../src/chaos/experiment/journal.js';
import { SafetyController } from '../../src/chaos/safety/safety-controller.js';
import { NEEDS, NeedChecker } from '../../src/runner/needs.js';
import { type RunScenariosOptions, runScenarios } from '../../src/runner/runner.js';
import type { Scenario, ScenarioContext } from '../../src/runner/scenario.js';
import { sampleJournal } from '../report/fixtures.js';

const logger = pino({ level: 'silent' });

function scenario(
  id: string,
  run: (ctx: ScenarioContext) => Promise<Journal>,
  extra: Partial<Scenario> = {},
): Scenario {
  return { id, category: 'service', name: id, title: id, description: id, needs: [], run, ...extra };
}

const pass = async () => sampleJournal();
const deviate = async () => sampleJournal({ deviated: true });

/** Resolves when the scenario is aborted, with an interrupted journal. */
const waitForAbort = (ctx: ScenarioContext) =>
  new Promise<Journal>((resolve) => {
    const done = () => resolve({ ...sampleJournal(), status: 'interrupted' });
    if (ctx.signal.aborted) done();
    else ctx.signal.addEventListener('abort', done, { once: true });
  });

function options(scenarios: Scenario[], extra: Partial<RunScenariosOptions> = {}): RunScenariosOptions {
  return {
    scenarios,
    seed: 1234,
    env: {
      redisUrl: 'redis://127.0.0.1:6379/15',
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/test',
      mockExternal: true,
      isolated: true,
      monitoring: true,
    },
    logger,
    needs: new NeedChecker(
      { redisUrl: 'redis://127.0.0.1:6379/15', databaseUrl: 'postgresql://postgres@127.0.0.1:5432/test' },
      {
        ...NEEDS,
        etcd: {
          title: 'etcd',
          check: async () => ({ ok: false, reason: 'no etcd here', provide: 'install etcd' }),
        },
      },
    ),
    timeoutMs: 20_000,
    maxScenarioMs: 20_000,
    maxFailures: 5,
    concurrency: 1,
    safety: new SafetyController({ env: { ENVIRONMENT: 'test' } }),
    ...extra,
  };
}

describe('runScenarios', () => {
  it('derives passed, failed, error and skipped, in the given order', async () => {
    const { results, outcome } = await runScenarios(
      options(
        [
          scenario('a.pass', pass),
          scenario('b.deviates', deviate),
          scenario('c.status-failed', async () => ({
            ...sampleJournal(),
            status: 'failed',
            error: { code: 'X', message: 'nope' },
          })),
          scenario('d.throws', async () => {
            throw Object.assign(new Error('kaboom\nstack-ish'), { code: 'FL_TEST' });
          }),
          scenario('e.needs-etcd', pass, { needs: ['etcd'] }),
          scenario('f.bad-journal', async () => ({ title: 'not a journal' }) as unknown as Journal),
          scenario('h.engine-deviated', async () => ({
            ...sampleJournal({ deviated: true }),
            status: 'failed',
            error: { code: 'FL_DEVIATED', message: 'the steady state deviated during or after the method' },
          })),
          scenario('g.engine-time-limit', async () => ({
            ...sampleJournal(),
            status: 'aborted',
            abort_reason: "experiment 'x' exceeded its time limit of 300 ms",
            error: { code: 'FL_SAFETY_TIMEOUT', message: "experiment 'x' exceeded its time limit of 300 ms" },
          })),
        ],
        { maxFailures: 10 },
      ),
    );
    expect(outcome).toBe('completed');
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['a.pass', 'passed'],
      ['b.deviates', 'failed'],
      ['c.status-failed', 'failed'],
      ['d.throws', 'error'],
      ['e.needs-etcd', 'skipped'],
      ['f.bad-journal', 'error'],
      ['h.engine-deviated', 'failed'],
      ['g.engine-time-limit', 'error'],
    ]);
    expect(results[6]?.reason).toBe('steady state not met during the fault: error rate below 5% = 0.42');
    expect(results[7]?.reason).toBe(
      "exceeded its time limit: experiment 'x' exceeded its time limit of 300 ms",
    );
    expect(results[1]?.reason).toMatch(/^steady state not met during the fault: error rate below 5% = 0.42/);
    expect(results[2]?.reason).toBe('experiment failed: nope');
    expect(results[3]?.reason).toBe('threw FL_TEST: kaboom');
    expect(results[4]).toMatchObject({
      reason: 'needs etcd: no etcd here',
      provide: 'install etcd',
      journal: null,
    });
    expect(results[5]?.reason).toMatch(/journal does not match the schema/);
    expect(results[0]?.journal?.title).toBe(sampleJournal().title);
    expect(results[0]?.seed).not.toBeNull();
  });

  it('never runs a scenario whose need is missing', async () => {
    let ran = false;
    const { results } = await runScenarios(
      options([
        scenario(
          'x',
          async () => {
            ran = true;
            return sampleJournal();
          },
          { needs: ['free-ports', 'etcd'] },
        ),
      ]),
    );
    expect(ran).toBe(false);
    expect(results[0]?.status).toBe('skipped');
  });

  it('reports the rest not_run after --max-failures failures', async () => {
    const ran: string[] = [];
    const track = (id: string, fn: () => Promise<Journal>) =>
      scenario(id, async () => {
        ran.push(id);
        return fn();
      });
    const { results, outcome } = await runScenarios(
      options(
        [track('1', deviate), track('2', pass), track('3', deviate), track('4', pass), track('5', pass)],
        {
          maxFailures: 2,
        },
      ),
    );
    expect(ran).toEqual(['1', '2', '3']);
    expect(results.map((r) => r.status)).toEqual(['failed', 'passed', 'failed', 'not_run', 'not_run']);
    expect(results[3]?.reason).toBe('stopped after 2 failed scenarios (--max-failures 2)');
    expect(outcome).toBe('max_failures');
  });

  it('aborts a scenario at its time limit and reports it error, keeping its journal', async () => {
    const { results } = await runScenarios(
      options([scenario('slow', waitForAbort, { timeoutMs: 200 }), scenario('next', pass)]),
    );
    expect(results[0]).toMatchObject({ status: 'error', reason: 'exceeded its time limit of 0.2 s' });
    expect(results[0]?.journal?.status).toBe('interrupted');
    expect(results[0]?.duration_ms).toBeGreaterThanOrEqual(150);
    expect(results[1]?.status).toBe('passed');
  });

  it('caps every scenario at maxScenarioMs (CHAOS_MAX_DURATION)', async () => {
    let limit = 0;
    await runScenarios(
      options(
        [
          scenario(
            'x',
            async (ctx) => {
              limit = ctx.timeLimitMs;
              return sampleJournal();
            },
            { timeoutMs: 60_000 },
          ),
        ],
        {
          maxScenarioMs: 1234,
        },
      ),
    );
    expect(limit).toBe(1234);
  });

  it('gives up on a scenario that ignores the abort after the grace period', async () => {
    const { results } = await runScenarios(
      options([scenario('deaf', () => new Promise<Journal>(() => {}), { timeoutMs: 100 })], {
        abortGraceMs: 100,
      }),
    );
    expect(results[0]?.status).toBe('error');
    expect(results[0]?.reason).toMatch(/did not stop within 0.1 s of being aborted/);
  });

  it('ends the run at --timeout: the running scenario is cut, the rest not_run', async () => {
    const { results, outcome } = await runScenarios(
      options([scenario('long', waitForAbort), scenario('never', pass)], { timeoutMs: 300 }),
    );
    expect(outcome).toBe('timeout');
    expect(results[0]).toMatchObject({ status: 'error' });
    expect(results[0]?.reason).toMatch(/--timeout 0.3 s/);
    expect(results[1]).toMatchObject({ status: 'not_run' });
    expect(results[1]?.reason).toBe("the run's time limit (--timeout 0.3 s) was reached");
  });

  it('on interrupt, stops the running scenario and reports it and the rest not_run', async () => {
    const ctrl = new AbortController();
    const run = runScenarios(
      options(
        [
          scenario('running', async (ctx) => {
            setImmediate(() => ctrl.abort());
            return waitForAbort(ctx);
          }),
          scenario('later', pass),
        ],
        { signal: ctrl.signal },
      ),
    );
    const { results, outcome } = await run;
    expect(outcome).toBe('interrupted');
    expect(results.map((r) => r.status)).toEqual(['not_run', 'not_run']);
    expect(results[0]?.reason).toMatch(/interrupted/);
    expect(results[0]?.journal).not.toBeNull();
  });

  it('runs up to `concurrency` scenarios at once, each with its own ports, prefix and temp dir', async () => {
    let running = 0;
    let peak = 0;
    const seen: Array<{ prefix: string; tmpDir: string; port: number; seed: number }> = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const make = (id: string) =>
      scenario(id, async (ctx) => {
        running += 1;
        peak = Math.max(peak, running);
        seen.push({
          prefix: ctx.redis.prefix,
          tmpDir: ctx.tmpDir,
          port: await ctx.freePort(),
          seed: ctx.seed,
        });
        if (peak >= 3) open();
        await Promise.race([gate, new Promise((r) => setTimeout(r, 2000))]);
        running -= 1;
        return sampleJournal();
      });
    const { results } = await runScenarios(
      options(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map(make), { concurrency: 3 }),
    );
    expect(results.every((r) => r.status === 'passed')).toBe(true);
    expect(peak).toBe(3);
    expect(new Set(seen.map((s) => s.prefix)).size).toBe(6);
    expect(new Set(seen.map((s) => s.tmpDir)).size).toBe(6);
    expect(new Set(seen.map((s) => s.port)).size).toBe(6);
    expect(new Set(seen.map((s) => s.seed)).size).toBe(6);
    for (const s of seen) expect(existsSync(s.tmpDir)).toBe(false);
  });

  it('derives the same scenario seeds from the same run seed', async () => {
    const seeds = async (seed: number) => {
      const out: number[] = [];
      await runScenarios(
        options(
          ['s1', 's2'].map((id) =>
            scenario(id, async (ctx) => {
              out.push(ctx.rng.int(0, 1e9));
              return sampleJournal();
            }),
          ),
          { seed },
        ),
      );
      return out;
    };
    const a = await seeds(99);
    expect(await seeds(99)).toEqual(a);
    expect(await seeds(100)).not.toEqual(a);
  });

  it('reports error, and goes on, when a scenario context cannot be set up', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent-faultline-tmp';
    try {
      const { results } = await runScenarios(options([scenario('no-tmp', pass)]));
      expect(results[0]?.status).toBe('error');
      expect(results[0]?.reason).toMatch(/^could not set up its context: threw ENOENT/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('runs cleanups last-first whatever the outcome, and reports phases', async () => {
    const order: string[] = [];
    const phases: string[] = [];
    await runScenarios(
      options(
        [
          scenario('c', async (ctx) => {
            ctx.onCleanup(() => order.push('first registered'));
            ctx.onCleanup(async () => {
              order.push('second registered');
              throw new Error('cleanup errors are logged, not fatal');
            });
            ctx.setPhase('inject');
            throw new Error('scenario failed');
          }),
        ],
        { observer: { onPhase: (_s, p) => phases.push(p) } },
      ),
    );
    expect(order).toEqual(['second registered', 'first registered']);
    expect(phases).toEqual(['setup', 'inject', 'teardown']);
  });
});
