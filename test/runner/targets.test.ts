import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SafetyController } from '../../src/chaos/safety/safety-controller.js';
import { createRunReport } from '../../src/runner/create-run-report.js';
import { NeedChecker } from '../../src/runner/needs.js';
import { missingCapability, runScenarios } from '../../src/runner/runner.js';
import type { Scenario } from '../../src/runner/scenario.js';
import type { Target } from '../../src/targets/target.js';
import { TARGETS } from '../../src/targets/targets.js';
import { sampleJournal } from '../report/fixtures.js';

const faultline = TARGETS.faultline as Target;
const nginx = TARGETS.nginx as Target;
const haproxy = TARGETS.haproxy as Target;

function scenario(id: string, extra: Partial<Scenario> = {}): Scenario {
  return {
    id,
    category: 'service',
    name: id,
    title: id,
    description: id,
    needs: [],
    run: async (ctx) => {
      ctx.noteUnsupported([`seen by ${ctx.target.name}`]);
      return sampleJournal();
    },
    ...extra,
  };
}

function run(scenarios: Scenario[], targets: Target[], controls = false) {
  const env = { redisUrl: 'redis://127.0.0.1:6379/15', databaseUrl: 'postgresql://x@127.0.0.1/x' };
  return runScenarios({
    scenarios,
    targets,
    controls,
    seed: 1,
    env: { ...env, mockExternal: true, isolated: true, monitoring: false },
    logger: pino({ level: 'silent' }),
    needs: new NeedChecker(env),
    timeoutMs: 20_000,
    maxScenarioMs: 20_000,
    maxFailures: 5,
    concurrency: 1,
    safety: new SafetyController({ env: { ENVIRONMENT: 'test' } }),
  });
}

describe('scenarios on targets', () => {
  it('runs each scenario on each target in turn, every result carrying its target', async () => {
    const { results } = await run(
      [scenario('a.any', { capabilities: [] }), scenario('b.any', { capabilities: ['retry_other_host'] })],
      [faultline, haproxy],
    );
    expect(results.map((r) => `${r.id}@${r.target}:${r.status}`)).toEqual([
      'a.any@faultline:passed',
      'a.any@haproxy:passed',
      'b.any@faultline:passed',
      'b.any@haproxy:passed',
    ]);
    expect(results[1]?.unsupported).toEqual(['seen by haproxy']);
  });

  it('skips a scenario on a target that lacks a capability it needs, with the target’s reason', async () => {
    const { results } = await run(
      [scenario('a.checks', { capabilities: ['retry_other_host', 'active_health_checks'] })],
      [faultline, nginx],
    );
    expect(results[0]?.status).toBe('passed');
    expect(results[1]).toMatchObject({
      target: 'nginx',
      status: 'skipped',
      reason:
        'needs active_health_checks on nginx: nginx open source has no active health checks (health_check is NGINX Plus)',
    });
  });

  it('runs a scenario that declares no capabilities only where its own harness runs (faultline)', () => {
    expect(missingCapability(scenario('x'), faultline)).toBeUndefined();
    expect(missingCapability(scenario('x'), haproxy)?.capability).toBe('embedded_stack');
  });

  it('skips every scenario of a target whose binary is missing, saying how to install it', async () => {
    const absent: Target = {
      ...haproxy,
      name: 'haproxy-absent',
      binary: { name: 'faultline-no-such-haproxy', install: 'apt-get install -y haproxy' },
    };
    const { results } = await run([scenario('a.any', { capabilities: [] })], [absent]);
    expect(results[0]).toMatchObject({
      target: 'haproxy-absent',
      status: 'skipped',
      reason: 'target haproxy-absent: `faultline-no-such-haproxy` not found on PATH',
      provide: 'apt-get install -y haproxy',
    });
  });

  it('runs negative controls only on a target that runs them (faultline), and scores per target', async () => {
    const withControl = scenario('a.controlled', {
      capabilities: [],
      controls: [{ name: 'off', claim: 'c', change: 'x', stack: {} }],
      run: async (ctx) => sampleJournal({ deviated: ctx.control !== undefined }),
    });
    const { results } = await run([withControl], [faultline, haproxy], true);
    expect(results[0]?.proof).toBe('proven');
    expect(results[1]?.proof).toBeUndefined();
    expect(results[1]?.controls).toBeUndefined();
    const report = createRunReport({
      version: '0',
      startedAt: new Date(0),
      endedAt: new Date(1),
      seed: 1,
      environment: 'test',
      outcome: 'completed',
      exitCode: 0,
      options: {},
      results,
    });
    expect(report.targets).toEqual(['faultline', 'haproxy']);
    expect(Object.keys(report.summary.by_target)).toEqual(['faultline', 'haproxy']);
    expect(report.summary.by_target.haproxy?.passed).toBe(1);
  });
});
