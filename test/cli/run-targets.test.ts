import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTargets } from '../../src/cli/commands/run-config.js';
import { runReportSchema } from '../../src/runner/run-report.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { sampleJournal } from '../report/fixtures.js';
import { runInProcess } from './run-helpers.js';

const ENV = { ENVIRONMENT: 'chaos_test', CI: 'true' };

/** Runs anywhere, saying which target it ran on. */
const anywhere: Scenario = {
  id: 'service.anywhere',
  category: 'service',
  name: 'anywhere',
  title: 'runs on any target',
  description: 'x',
  needs: [],
  capabilities: [],
  run: async (ctx) => {
    ctx.noteUnsupported([`nothing on ${ctx.target.name}`]);
    return sampleJournal();
  },
};
/** Needs active health checks: skipped on nginx. */
const checks: Scenario = {
  ...anywhere,
  id: 'service.checks',
  name: 'checks',
  capabilities: ['active_health_checks'],
};

const run = (args: string[], env: NodeJS.ProcessEnv = ENV) =>
  runInProcess(['--category', 'service', ...args], { env, scenarios: [anywhere, checks] });

describe('faultline run --target', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-run-targets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs each scenario on each target and reports them side by side with a score per target', async () => {
    const file = join(dir, 'report.json');
    const r = await run(['--target', 'faultline', '--target', 'nginx', '--report', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SCENARIO\s+TARGET\s+STATUS\s+ERR@FAULT\s+P99@FAULT\s+DETECT\s+RECOVERY/);
    expect(r.stdout).toMatch(/service\/checks\s+faultline\s+passed/);
    expect(r.stdout).toMatch(/\n\s+nginx\s+skipped/);
    expect(r.stdout).toContain(
      'skipped service/checks on nginx: needs active_health_checks on nginx: nginx open source has no active health checks',
    );
    expect(r.stdout).toMatch(
      /resilience score by target: faultline \d+ \(2 of 2 ran\) \| nginx \d+ \(1 of 2 ran\)/,
    );
    const report = runReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.targets).toEqual(['faultline', 'nginx']);
    expect(report.results.map((x) => `${x.name}@${x.target}:${x.status}`)).toEqual([
      'anywhere@faultline:passed',
      'anywhere@nginx:passed',
      'checks@faultline:passed',
      'checks@nginx:skipped',
    ]);
    expect(report.results[1]?.unsupported).toEqual(['nothing on nginx']);
    expect(Object.keys(report.summary.by_target)).toEqual(['faultline', 'nginx']);
  });

  it('defaults to faultline, and reads FAULTLINE_TARGETS when no --target is given', () => {
    expect(resolveTargets(undefined, {})).toEqual(['faultline']);
    expect(resolveTargets(undefined, { FAULTLINE_TARGETS: 'haproxy, nginx,haproxy' })).toEqual([
      'haproxy',
      'nginx',
    ]);
    expect(resolveTargets(['faultline'], { FAULTLINE_TARGETS: 'nginx' })).toEqual(['faultline']);
  });

  it('an unknown target is one line and exit 2, from the flag or the variable', async () => {
    const flag = await run(['--target', 'envoy']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toMatch(/unknown target; valid: faultline, haproxy, nginx/);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    const variable = await run([], { ...ENV, FAULTLINE_TARGETS: 'faultline,envoy' });
    expect(variable.code).toBe(2);
    expect(variable.stderr.trim()).toBe(
      'faultline: unknown target "envoy"; valid: faultline, haproxy, nginx, external:FILE',
    );
  });
});
