import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journal } from '../../src/chaos/experiment/journal.js';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  resolveRunConfig,
} from '../../src/cli/commands/run-config.js';
import { runReportSchema } from '../../src/runner/run-report.js';
import type { Scenario, ScenarioEnv } from '../../src/runner/scenario.js';
import { sampleJournal } from '../report/fixtures.js';
import { fixtureNeeds, fixtureScenarios } from './run-fixtures.js';
import { runInProcess } from './run-helpers.js';

const ENV = { ENVIRONMENT: 'chaos_test', CI: 'true' };

/** A scenario that records the environment it was given. */
function recorder(seen: ScenarioEnv[], id = 'rec.env', category: Scenario['category'] = 'network'): Scenario {
  return {
    id,
    category,
    name: id.split('.')[1] as string,
    title: id,
    description: id,
    needs: [],
    run: async (ctx) => {
      seen.push(ctx.env);
      return sampleJournal();
    },
  };
}

const run = (
  args: string[],
  env: NodeJS.ProcessEnv = ENV,
  scenarios: readonly Scenario[] = fixtureScenarios,
) => runInProcess(args, { env, scenarios, needs: fixtureNeeds });

describe('faultline run (in process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--list prints the selection without needing ENVIRONMENT', async () => {
    const r = await run(['--list'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fixture.pass_one');
    expect(r.stdout).toContain('[needs: etcd]');
    expect(r.stdout).toMatch(/6 scenarios\n$/);
  });

  it('--category (repeatable) and --filter (substring or /regex/) select scenarios', async () => {
    const cat = await run(['--list', '--category', 'service', '--category', 'network']);
    expect(cat.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^fixture\.pass_one\s+service/),
      expect.stringMatching(/^fixture\.pass_two\s+network/),
      '2 scenarios',
    ]);
    expect((await run(['--list', '--filter', 'PASS_T'])).stdout).toMatch(
      /^fixture\.pass_two.*\n1 scenario\n$/,
    );
    expect((await run(['--list', '--filter', '/^fixture\\.(fails|throws)$/'])).stdout).toMatch(
      /2 scenarios\n$/,
    );
    expect((await run(['--list', '--filter', 'nothing-like-this'])).stdout).toBe('no scenario matches\n');
    const bad = await run(['--list', '--filter', '/(/']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^faultline: --filter: invalid regular expression/);
  });

  it('a report or log path that cannot be written is exit 2 before anything runs', async () => {
    const seen: ScenarioEnv[] = [];
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const asDir = await run(['--report', dir], ENV, [recorder(seen)]);
    expect(asDir.code).toBe(2);
    expect(asDir.stderr).toBe(`faultline: --report: ${dir} is a directory\n`);
    const underFile = await run(['--html', join(file, 'report.html')], ENV, [recorder(seen)]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toMatch(/^faultline: --html: cannot write to .*a-file \((ENOTDIR|EEXIST)\)\n$/);
    const log = await run(['--log-file', join(file, 'x.log')], ENV, [recorder(seen)]);
    expect(log.code).toBe(2);
    expect(log.stderr).toMatch(/^faultline: cannot open the log file .*x\.log: /);
    expect(seen).toHaveLength(0);
  });

  it('a selection that matches nothing is exit 2, not a green run', async () => {
    const r = await run(['--filter', 'no-such-scenario']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'faultline: no scenario matches the selection (--category/--filter); see `faultline run --list`\n',
    );
  });

  it('--max-failures: after N failures the rest are not_run', async () => {
    const file = join(dir, 'maxf.json');
    const r = await run([
      '--filter',
      '/fails|throws|pass_two|pass_one/',
      '--max-failures',
      '1',
      '--report',
      file,
    ]);
    expect(r.code).toBe(1);
    const report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.results.map((x) => [x.name, x.status])).toEqual([
      ['pass_one', 'passed'],
      ['pass_two', 'passed'],
      ['fails', 'failed'],
      ['throws', 'not_run'],
    ]);
    expect(report.outcome).toBe('max_failures');
    expect(report.options.max_failures).toBe(1);
  });

  it('--timeout bounds the whole run: the running scenario is cut, exit 1', async () => {
    const file = join(dir, 'timeout.json');
    const r = await run(['--filter', 'hangs', '--timeout', '0.3', '--report', file]);
    expect(r.code).toBe(1);
    const report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.outcome).toBe('timeout');
    expect(report.results[0]).toMatchObject({
      status: 'error',
      reason: "cut short by the run's time limit (--timeout 0.3 s)",
    });
    expect(report.options.timeout_s).toBe(0.3);
  });

  it('--max-duration / CHAOS_MAX_DURATION cap each scenario; the flag wins', async () => {
    const file = join(dir, 'maxdur.json');
    await run(['--filter', 'hangs', '--report', file], { ...ENV, CHAOS_MAX_DURATION: '0.2' });
    let report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.results[0]?.reason).toBe('exceeded its time limit of 0.2 s');
    await run(['--filter', 'hangs', '--max-duration', '0.3', '--report', file], {
      ...ENV,
      CHAOS_MAX_DURATION: '0.2',
    });
    report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.results[0]?.reason).toBe('exceeded its time limit of 0.3 s');
    const bad = await run(['--filter', 'hangs'], { ...ENV, CHAOS_MAX_DURATION: 'forever' });
    expect(bad.code).toBe(2);
  });

  it('--parallel runs scenarios concurrently, bounded by the cores', async () => {
    const cores = availableParallelism();
    const expected = Math.min(cores, 5);
    let running = 0;
    let peak = 0;
    let reached!: () => void;
    const full = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // Each scenario holds until `expected` run at once (or 3 s pass, for the sequential run),
    // so the peak does not depend on timing.
    const slow = (id: string): Scenario => ({
      ...recorder([], id),
      run: async () => {
        running += 1;
        peak = Math.max(peak, running);
        if (running >= expected) reached();
        await Promise.race([full, new Promise((r) => setTimeout(r, 3000))]);
        running -= 1;
        return sampleJournal();
      },
    });
    const scenarios = ['p.a', 'p.b', 'p.c', 'p.d', 'p.e'].map(slow);
    const file = join(dir, 'parallel.json');
    expect((await run(['--parallel', '--report', file], ENV, scenarios)).code).toBe(0);
    expect(peak).toBe(expected);
    const report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.options).toMatchObject({ parallel: true, concurrency: cores });
    peak = 0;
    await run(['--filter', '/p\\.(a|b)/'], ENV, scenarios);
    expect(peak).toBe(1);
  }, 30_000);

  it('--no-mock-external and --no-isolation need --yes or the env var, else exit 2', async () => {
    const seen: ScenarioEnv[] = [];
    const scenarios = [recorder(seen)];
    const mock = await run(['--no-mock-external'], ENV, scenarios);
    expect(mock.code).toBe(2);
    expect(mock.stderr).toContain('confirm with --yes or CHAOS_MOCK_EXTERNAL=false');
    const iso = await run(['--no-isolation'], ENV, scenarios);
    expect(iso.code).toBe(2);
    expect(iso.stderr).toContain('confirm with --yes or CHAOS_ISOLATED=false');
    expect(seen).toHaveLength(0);

    const yes = await run(['--no-mock-external', '--no-isolation', '--yes'], ENV, scenarios);
    expect(yes.code).toBe(0);
    expect(yes.stderr).toContain('WARNING: external services are NOT mocked');
    expect(yes.stderr).toContain('WARNING: isolation is OFF');
    expect(seen.at(-1)).toMatchObject({ mockExternal: false, isolated: false });

    const byEnv = await run([], { ...ENV, CHAOS_MOCK_EXTERNAL: 'false', CHAOS_ISOLATED: 'false' }, scenarios);
    expect(byEnv.code).toBe(0);
    expect(seen.at(-1)).toMatchObject({ mockExternal: false, isolated: false });
    const flagAndEnv = await run(['--no-isolation'], { ...ENV, CHAOS_ISOLATED: 'false' }, scenarios);
    expect(flagAndEnv.code).toBe(0);
  });

  it('flags win over environment variables; defaults when unset', async () => {
    const seen: ScenarioEnv[] = [];
    const scenarios = [recorder(seen)];
    await run([], ENV, scenarios);
    expect(seen.at(-1)).toEqual({
      redisUrl: DEFAULT_REDIS_URL,
      databaseUrl: DEFAULT_DATABASE_URL,
      mockExternal: true,
      isolated: true,
      monitoring: true,
    });
    await run([], { ...ENV, REDIS_URL: 'redis://127.0.0.1:6390/3', CHAOS_MONITORING: 'false' }, scenarios);
    expect(seen.at(-1)).toMatchObject({ redisUrl: 'redis://127.0.0.1:6390/3', monitoring: false });
    await run(
      ['--redis-url', 'redis://127.0.0.1:6391/4', '--no-monitoring'],
      { ...ENV, REDIS_URL: 'redis://127.0.0.1:6390/3' },
      scenarios,
    );
    expect(seen.at(-1)).toMatchObject({ redisUrl: 'redis://127.0.0.1:6391/4', monitoring: false });
    const badBool = await run([], { ...ENV, CHAOS_MONITORING: 'maybe' }, scenarios);
    expect(badBool.code).toBe(2);
    expect(badBool.stderr).toBe("faultline: CHAOS_MONITORING must be true or false (got 'maybe')\n");
  });

  it('refuses (exit 3) a non-loopback REDIS_URL while isolated', async () => {
    const r = await run([], { ...ENV, REDIS_URL: 'redis://10.1.2.3:6379/15' }, [recorder([])]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/REDIS_URL points off loopback/);
  });

  it('--seed replays: same seed, same scenario seeds', async () => {
    const seeds: number[] = [];
    const s: Scenario = {
      ...recorder([]),
      run: async (ctx) => {
        seeds.push(ctx.seed);
        return sampleJournal();
      },
    };
    await run(['--seed', '5'], ENV, [s]);
    await run(['--seed', '5'], ENV, [s]);
    await run(['--seed', '6'], ENV, [s]);
    expect(seeds[0]).toBe(seeds[1]);
    expect(seeds[2]).not.toBe(seeds[0]);
    expect((await run(['--seed', '-1'], ENV, [s])).code).toBe(2);
    expect((await run(['--seed', '1.5'], ENV, [s])).code).toBe(2);
  });

  it('--verbose logs JSON lines to stderr; CHAOS_LOG_FILE / --log-file to a file', async () => {
    const verbose = await run(['--verbose', '--filter', 'pass_one'], ENV);
    expect(verbose.code).toBe(0);
    // stderr is process.stderr for pino here; the terminal output stays clean
    expect(verbose.stdout).toMatch(/PASS\s+service\/pass_one/);
    const log = join(dir, 'logs', 'chaos.log');
    await run(['--filter', 'pass_one'], { ...ENV, CHAOS_LOG_FILE: log });
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain('run started');
    expect(lines.map((l) => l.msg)).toContain('run ended');
    const flagLog = join(dir, 'flag.log');
    await run(['--filter', 'pass_one', '--log-file', flagLog], { ...ENV, CHAOS_LOG_FILE: log });
    expect(await readFile(flagLog, 'utf8')).toContain('"msg":"run started"');
  });

  it('prints plain progress lines and the summary table when not a TTY', async () => {
    const r = await run(['--filter', '/pass_one|fails|needs_etcd/', '--seed', '3']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('faultline run: 3 scenarios, seed 3, ENVIRONMENT=chaos_test');
    expect(r.stdout).toMatch(/start\s+service\/pass_one/);
    expect(r.stdout).toMatch(/phase\s+service\/pass_one: inject/);
    expect(r.stdout).toMatch(/CATEGORY\s+SCENARIO\s+STATUS\s+ERR@FAULT\s+P99@FAULT\s+RECOVERY/);
    expect(r.stdout).toMatch(/latency\s+fails\s+failed\s+42%\s+230 ms\s+800 ms/);
    expect(r.stdout).toContain('3 scenarios: 1 passed, 1 failed, 0 error, 1 skipped, 0 not run');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('a scenario that returns a journal with a different status is judged by it', async () => {
    const aborted: Scenario = {
      ...recorder([], 'x.aborted'),
      run: async () =>
        ({ ...sampleJournal(), status: 'aborted', abort_reason: 'stop condition host_cpu' }) as Journal,
    };
    const file = join(dir, 'aborted.json');
    expect((await run(['--report', file], ENV, [aborted])).code).toBe(1);
    const report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.results[0]?.reason).toBe('experiment aborted: stop condition host_cpu');
  });
});

describe('resolveRunConfig', () => {
  it('applies the documented defaults', () => {
    const c = resolveRunConfig({}, { ENVIRONMENT: 'test' });
    expect(c).toMatchObject({
      categories: [],
      timeoutMs: 600_000,
      maxFailures: 5,
      parallel: false,
      concurrency: 1,
      mockExternal: true,
      isolated: true,
      monitoring: true,
      redisUrl: DEFAULT_REDIS_URL,
      databaseUrl: DEFAULT_DATABASE_URL,
      environment: 'test',
      warnings: [],
    });
    expect(c.logFile).toBeUndefined();
  });

  it('turns --parallel off without isolation', () => {
    const c = resolveRunConfig({ parallel: true, isolation: false, yes: true }, {});
    expect(c.parallel).toBe(false);
    expect(c.concurrency).toBe(1);
  });
});
