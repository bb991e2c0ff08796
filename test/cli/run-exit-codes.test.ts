import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportSchema } from '../../src/runner/run-report.js';
import { CATEGORIES } from '../../src/runner/scenario.js';
import { cliEnv, ENTRY_PATH, ROOT_PATH, spawnCli } from './run-helpers.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

// The real CLI (src/cli/main.ts) in a child process, with the fixture scenarios of
// run-fixtures.ts: help, exit codes 0/1/2/3/130, and one-line errors without stack traces.

const fixtures = (extra: Record<string, string | undefined> = {}) =>
  cliEnv({ ENVIRONMENT: 'chaos_test', FAULTLINE_TEST_SCENARIOS: 'fixtures', ...extra });

function expectOneLineError(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(run with --help'));
  expect(lines).toHaveLength(1);
}

describe('faultline run (child process)', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists every flag and environment variable, exit 0', async () => {
    const r = await spawnCli(['run', '--help'], cliEnv());
    expect(r.code).toBe(0);
    for (const flag of [
      '--category',
      '--timeout',
      '--max-failures',
      '--parallel',
      '--no-mock-external',
      '--no-isolation',
      '--report',
      '--dry-run',
      '--verbose',
      '--help',
      '--seed',
      '--list',
      '--filter',
      '--html',
      '--junit',
      '--yes',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    for (const name of [
      'ENVIRONMENT',
      'DATABASE_URL',
      'REDIS_URL',
      'CHAOS_MAX_DURATION',
      'CHAOS_SAFETY_ENABLED',
      'CHAOS_MOCK_EXTERNAL',
      'CHAOS_ISOLATED',
      'CHAOS_MONITORING',
      'CHAOS_LOG_FILE',
    ]) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toContain('default: 600');
    expect(r.stdout).toContain('default: 5');
  });

  it('exit 2 with one line for an unknown flag, a bad category and a bad number', async () => {
    const unknown = await spawnCli(['run', '--bogus'], fixtures());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    expectOneLineError(unknown.stderr);

    const category = await spawnCli(['run', '--category', 'network', '--category', 'nope'], fixtures());
    expect(category.code).toBe(2);
    expect(category.stderr).toContain(`valid: ${CATEGORIES.join(', ')}`);
    expectOneLineError(category.stderr);

    const timeout = await spawnCli(['run', '--timeout', 'soon'], fixtures());
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('expected a positive number');
    expectOneLineError(timeout.stderr);
  });

  it('exit 3 when ENVIRONMENT is unset or not a test environment', async () => {
    const unset = await spawnCli(['run'], fixtures({ ENVIRONMENT: '' }));
    expect(unset.code).toBe(3);
    expect(unset.stderr).toContain('export ENVIRONMENT=chaos_test');
    expectOneLineError(unset.stderr);

    const prod = await spawnCli(['run', '--filter', 'pass_'], fixtures({ ENVIRONMENT: 'production' }));
    expect(prod.code).toBe(3);
    expect(prod.stderr).toMatch(
      /safety refused to start: ENVIRONMENT must be one of test, chaos_test, development/,
    );
    expectOneLineError(prod.stderr);
  });

  it('exit 0 when everything passed (skips allowed), with the three reports', async () => {
    const report = join(dir, 'ok.json');
    const r = await spawnCli(
      [
        'run',
        '--filter',
        '/pass_|needs_etcd/',
        '--seed',
        '77',
        '--report',
        report,
        '--html',
        join(dir, 'ok.html'),
        '--junit',
        join(dir, 'ok.xml'),
      ],
      fixtures(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = runReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
    expect(json.results.map((x) => ({ name: x.name, status: x.status }))).toEqual([
      { name: 'pass_one', status: 'passed' },
      { name: 'pass_two', status: 'passed' },
      { name: 'needs_etcd', status: 'skipped' },
    ]);
    expect(json.seed).toBe(77);
    expect(json.exit_code).toBe(0);
    expect(await readFile(join(dir, 'ok.html'), 'utf8')).toContain('<svg class="timeline"');
    expect(await readFile(join(dir, 'ok.xml'), 'utf8')).toContain('<testsuites name="faultline" tests="3"');
  });

  it('exit 1 when a scenario failed (and --verbose logs JSON lines to stderr)', async () => {
    const r = await spawnCli(['run', '--filter', 'fails', '--verbose'], fixtures());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+latency\/fails/);
    const logs = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['run started', 'run ended']));
  });

  it('CHAOS_SAFETY_ENABLED=false: refused (3) unless confirmed with --yes', async () => {
    const env = fixtures({ ENVIRONMENT: 'staging', CHAOS_SAFETY_ENABLED: 'false' });
    const refused = await spawnCli(['run', '--filter', 'pass_one'], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('CHAOS_SAFETY_ENABLED=false needs the explicit flag');
    const confirmed = await spawnCli(['run', '--filter', 'pass_one', '--yes'], env);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stderr).toContain('WARNING: safety checks are DISABLED');
  });

  it('exit 130 on Ctrl+C, with the report of what finished', async () => {
    const report = join(dir, 'interrupted.json');
    let sent = false;
    const r = await spawnCli(
      ['run', '--filter', '/pass_one|hangs|pass_two/', '--report', report],
      fixtures(),
      {
        onStdout: (out, child) => {
          if (!sent && out.includes('fixture fixture.hangs waiting')) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping scenarios and reverting faults');
    const json = runReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
    expect(json.outcome).toBe('interrupted');
    expect(json.results.map((x) => [x.name, x.status])).toEqual([
      ['pass_one', 'passed'],
      ['pass_two', 'passed'],
      ['hangs', 'not_run'],
    ]);
    expect(json.results[2]?.reason).toBe('interrupted (Ctrl+C) while running');
  });

  it('--dry-run: exit 0 when runnable (listing skips and why), 3 when safety refuses', async () => {
    const ok = await spawnCli(['run', '--dry-run', '--filter', '/pass_one|needs_etcd/'], fixtures());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Would run \(1\):\n {2}fixture\.pass_one/);
    expect(ok.stdout).toMatch(
      /Would skip \(1\):\n {2}fixture\.needs_etcd: needs etcd: etcd not found \(test fixture\) \(to provide: apt-get install -y etcd-server\)/,
    );
    expect(ok.stdout).toMatch(/ok\s+free-ports .*\[not needed\]/);
    // every known dependency is checked, needed or not; a missing one only counts when needed
    for (const need of ['redis', 'postgres', 'postgres-binaries', 'etcd', 'root', 'haproxy', 'chromium']) {
      expect(ok.stdout).toMatch(new RegExp(`^ {2}(ok|MISS|-) +${need} `, 'm'));
    }
    expect(ok.stdout).toMatch(
      /MISS\s+etcd\s+etcd not found \(test fixture\); to provide: apt-get install -y etcd-server \[needed by 1\]/,
    );
    expect(ok.stdout).toMatch(/ok\s+environment\s+ENVIRONMENT=chaos_test/);

    const refused = await spawnCli(['run', '--dry-run'], fixtures({ ENVIRONMENT: 'staging' }));
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/FAIL\s+environment/);
    expect(refused.stdout).toContain('Refused by safety');
  });
});

describe('faultline run on a terminal (child process under a pseudo-TTY)', { timeout: 120_000 }, () => {
  it.skipIf(!hasScript)('redraws a live view: running scenario, elapsed time and phase', async () => {
    const command = [process.execPath, '--import', 'tsx', ENTRY_PATH, 'run', '--filter', 'pass_one'].join(
      ' ',
    );
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const env = fixtures();
      delete env.CI;
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: ROOT_PATH,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit: ${out}`));
      }, 60_000);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('\x1b[2A\x1b[0J');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape codes are what is under test
    expect(r.out).toMatch(/RUN\x1b\[0m +\d+(\.\d+)? m?s {2}inject {8}service\/pass_one/);
    expect(r.out).toMatch(/PASS/);
  });
});

describe('faultline run with the real registry (child process)', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-cli-real-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a demo scenario end to end: real service, real fault, exit 0, reports written', async () => {
    const report = join(dir, 'demo.json');
    const junit = join(dir, 'demo.xml');
    const r = await spawnCli(
      [
        'run',
        '--category',
        'latency',
        '--filter',
        'demo_',
        '--seed',
        '5',
        '--report',
        report,
        '--junit',
        junit,
      ],
      cliEnv({ ENVIRONMENT: 'chaos_test' }),
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = runReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
    expect(json.results.map((x) => ({ name: x.name, status: x.status }))).toEqual([
      { name: 'demo_proxy_latency', status: 'passed' },
    ]);
    expect(json.results[0]?.journal?.faults[0]?.kind).toBe('toxic');
    expect(json.results[0]?.journal?.metrics.load?.timeline.length).toBeGreaterThan(20);
    // CHAOS_MONITORING defaults to true: the service's CPU and memory were sampled
    expect(json.results[0]?.journal?.metrics.targets[0]).toMatchObject({
      name: 'demo-service',
      rss_mb_max: expect.any(Number),
    });
    expect(await readFile(junit, 'utf8')).toContain(
      '<testcase classname="faultline.latency" name="demo_proxy_latency"',
    );
  });

  it('Ctrl+C during a real fault: exit 130, the fault reverted by the emergency stop, report written', async () => {
    const report = join(dir, 'sigint.json');
    let sent = false;
    const r = await spawnCli(
      ['run', '--filter', 'demo_process_kill', '--report', report],
      cliEnv({ ENVIRONMENT: 'chaos_test' }),
      {
        timeoutMs: 90_000,
        onStdout: (out, child) => {
          if (!sent && out.includes('demo_process_kill: observe')) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const json = runReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
    expect(json.outcome).toBe('interrupted');
    expect(json.results[0]).toMatchObject({
      status: 'not_run',
      reason: 'interrupted (Ctrl+C) while running',
    });
    expect(json.results[0]?.journal?.status).toBe('interrupted');
    expect(json.results[0]?.journal?.faults.map((f) => [f.kind, f.revert_reason])).toEqual([
      ['process.kill', 'emergency'],
    ]);
  });
});
