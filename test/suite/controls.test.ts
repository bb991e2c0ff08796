import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SafetyController } from '../../src/chaos/safety/safety-controller.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderJunitReport } from '../../src/report/junit.js';
import { formatSummary, proofLines } from '../../src/report/terminal.js';
import { declaredControl, type ScenarioControl, UndeclaredControlError } from '../../src/runner/control.js';
import { createRunReport } from '../../src/runner/create-run-report.js';
import { NEEDS, NeedChecker } from '../../src/runner/needs.js';
import { runReportSchema } from '../../src/runner/run-report.js';
import { controlResultOf, type RunScenariosOptions, runScenarios } from '../../src/runner/runner.js';
import type { Scenario } from '../../src/runner/scenario.js';
import { cacheConfigFor, changeTierMonitor } from '../../src/suite/cache/cache-controls.js';
import { changeCluster, controls } from '../../src/suite/control.js';
import type { ReferenceStackOptions } from '../../src/suite/harness/reference-stack.js';
import { withControl } from '../../src/suite/harness/run-on-stack.js';
import { changeRateLimit } from '../../src/suite/rate_limit/rate-limit-controls.js';
import { sampleJournal } from '../report/fixtures.js';

const urls = {
  redisUrl: 'redis://127.0.0.1:6379/15',
  databaseUrl: 'postgresql://postgres@127.0.0.1:5432/test',
};

function options(scenarios: Scenario[], extra: Partial<RunScenariosOptions> = {}): RunScenariosOptions {
  return {
    scenarios,
    seed: 7,
    env: { ...urls, mockExternal: true, isolated: true, monitoring: false },
    logger: pino({ level: 'silent' }),
    needs: new NeedChecker(urls, NEEDS),
    timeoutMs: 20_000,
    maxScenarioMs: 20_000,
    maxFailures: 5,
    concurrency: 1,
    safety: new SafetyController({ env: { ENVIRONMENT: 'test' } }),
    ...extra,
  };
}

const fails: ScenarioControl = {
  name: 'capability_off',
  claim: 'the capability holds the hypothesis',
  change: 'capability off',
  stack: {},
};
const stillPasses: ScenarioControl = { ...fails, name: 'irrelevant_off', claim: 'an empty claim' };

/** Passes, unless the control in its context is `capability_off` (then it deviates). */
function scenario(id: string, declared: ScenarioControl[] | undefined): Scenario {
  return {
    id,
    category: 'service',
    name: id.replace(/\W/g, '_'),
    title: id,
    description: id,
    needs: [],
    ...(declared ? { controls: declared } : {}),
    run: async (ctx) => sampleJournal({ deviated: ctx.control?.name === 'capability_off' }),
  };
}

describe('negative controls in the runner', () => {
  it('runs each control after a passed scenario; a control that passes leaves the scenario not proven', async () => {
    const { results } = await runScenarios(
      options(
        [
          scenario('service.proven', [fails]),
          scenario('service.unproven', [fails, stillPasses]),
          scenario('service.none', undefined),
        ],
        { controls: true },
      ),
    );
    const [proven, unproven, none] = results;
    expect(proven?.status).toBe('passed');
    expect(proven?.proof).toBe('proven');
    expect(proven?.controls?.map((c) => [c.name, c.status, c.proven])).toEqual([
      ['capability_off', 'failed', true],
    ]);
    expect(unproven?.proof).toBe('not_proven');
    expect(unproven?.controls?.map((c) => [c.name, c.status, c.proven])).toEqual([
      ['capability_off', 'failed', true],
      ['irrelevant_off', 'passed', false],
    ]);
    expect(unproven?.controls?.[1]?.reason).toContain('not proven');
    expect(none?.proof).toBe('no_controls');
  });

  it('runs no control without `controls`, and none for a scenario that did not pass', async () => {
    const failing: Scenario = {
      ...scenario('service.fails', [fails]),
      run: async () => sampleJournal({ deviated: true }),
    };
    const { results } = await runScenarios(options([scenario('service.proven', [fails]), failing]));
    expect(results.map((r) => [r.proof, r.controls])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    const withControls = await runScenarios(options([failing], { controls: true }));
    expect(withControls.results[0]?.controls).toBeUndefined();
  });

  it('every report shows which claim is proven by which control, and the not proven', async () => {
    const { results } = await runScenarios(
      options([scenario('service.proven', [fails]), scenario('service.unproven', [fails, stillPasses])], {
        controls: true,
      }),
    );
    const report = createRunReport({
      version: '0.0.0',
      startedAt: new Date(0),
      endedAt: new Date(1000),
      seed: 7,
      environment: 'test',
      outcome: 'completed',
      exitCode: 1,
      options: {},
      results,
    });
    expect(runReportSchema.parse(JSON.parse(JSON.stringify(report))).summary.not_proven).toBe(1);
    const terminal = formatSummary(report);
    expect(terminal).toContain('passed, not proven');
    expect(terminal).toContain(
      'not proven service/service_unproven: irrelevant_off passed ("an empty claim")',
    );
    expect(terminal).toContain('1 not proven');
    expect(proofLines(results[0] as (typeof results)[number]).join('\n')).toContain(
      'control capability_off (capability off) failed as it must: proves "the capability holds the hypothesis"',
    );
    const html = renderHtmlReport(report);
    expect(html).toContain('not proven</span>');
    expect(html).toContain('<td>an empty claim</td>');
    const junit = renderJunitReport(report);
    expect(junit).toContain('name="control:capability_off"');
    expect(junit).toMatch(
      /name="control:irrelevant_off"[^>]*>\s*<failure message="not proven: &quot;an empty claim&quot;/,
    );
    expect(junit).toContain('tests="5" failures="1"');
  });
});

describe('controls as configuration of the reference stack', () => {
  it('rewrite the gateway config the scenario built and add service environment', () => {
    const gateway = () => ({
      clusters: {
        service: {
          hosts: [{ url: 'http://127.0.0.1:1' }],
          retry: { maxRetries: 2 },
          balancer: 'least_request' as const,
        },
      },
    });
    const base: Pick<ReferenceStackOptions, 'gateway' | 'serviceEnv'> = { gateway, serviceEnv: { A: '1' } };
    const retriesOff = withControl(base, controls.retriesOff('claim'));
    expect(retriesOff.gateway?.({ hosts: [] }).clusters.service?.retry?.maxRetries).toBe(0);
    const rr = withControl(base, controls.roundRobin('claim'));
    expect(rr.gateway?.({ hosts: [] }).clusters.service?.balancer).toBe('round_robin');
    const env = withControl(base, { ...fails, stack: { serviceEnv: { IGNORE_IDEMPOTENCY_KEY: '1' } } });
    expect(typeof env.serviceEnv === 'function' ? env.serviceEnv(0) : env.serviceEnv).toEqual({
      A: '1',
      IGNORE_IDEMPOTENCY_KEY: '1',
    });
    expect(withControl(base, undefined)).toBe(base);
    const noChecks = changeCluster((c) => ({ ...c, health: { outlier: false } }))(gateway());
    expect(noChecks.clusters.service?.health).toEqual({ outlier: false });
  });
});

describe('a scenario reads its control as it declared it', () => {
  const declared: readonly ScenarioControl<{ synchronous: boolean }>[] = [
    { name: 'async_replication', claim: 'c', change: 'synchronous false', stack: { synchronous: false } },
  ];
  it('finds the declaration by name, typed; undefined for the scenario itself', () => {
    expect(declaredControl(declared, { name: 'async_replication' })?.stack.synchronous).toBe(false);
    expect(declaredControl(declared, undefined)).toBeUndefined();
  });
  it('refuses a control the scenario does not declare', () => {
    expect(() => declaredControl(declared, { name: 'retries_off' })).toThrow(UndeclaredControlError);
    expect(() => declaredControl(declared, { name: 'retries_off' })).toThrow(
      /not one of .*async_replication/,
    );
  });
});

describe('a control proves its claim only when it fails on a check it names', () => {
  const control: ScenarioControl = { ...fails, misses: ['writes applied more than once'] };
  const run = { duration_ms: 1, seed: 1 };
  it('failed on that check: proven', () => {
    const r = controlResultOf(control, {
      ...run,
      status: 'failed',
      reason: 'experiment failed: writes applied more than once was 3, expected ≤ 0',
    });
    expect(r.proven).toBe(true);
  });
  it('failed on another check (an overloaded steady state): not proven, and says why', () => {
    const r = controlResultOf(control, {
      ...run,
      status: 'failed',
      reason: 'steady state not met before the fault: one write acknowledged = false',
    });
    expect(r.proven).toBe(false);
    expect(r.reason).toContain('not on "writes applied more than once"');
  });
  it('a control naming no check: any failure proves', () => {
    expect(controlResultOf(fails, { ...run, status: 'failed', reason: 'anything' }).proven).toBe(true);
  });
});

describe('the harnesses apply their controls as configuration', () => {
  it('a rate-limit change rewrites only `rateLimit`, and leaves a config without one alone', () => {
    const off = changeRateLimit(() => undefined).gateway;
    const memory = changeRateLimit((rl) => ({ ...rl, store: { type: 'memory' } })).gateway;
    const base = { clusters: { service: { hosts: [{ url: 'http://127.0.0.1:1' }] } } };
    const limited = {
      ...base,
      rateLimit: { limit: 10, store: { type: 'redis' as const, url: 'redis://x' } },
    };
    expect(off?.(limited)).toEqual(base);
    expect(memory?.(limited).rateLimit?.store).toEqual({ type: 'memory' });
    expect(memory?.(base)).toBe(base);
  });
  it('a cache change rewrites the tier monitor; a control the scenario lacks is refused', () => {
    const change = changeTierMonitor((m) => ({ ...m, breaker: { ...m.breaker, halfOpenAfter: 60_000 } }));
    const config = { redis: { url: 'redis://x', keyPrefix: 'p:' } };
    expect(change.cache(config).redis?.monitor?.breaker?.halfOpenAfter).toBe(60_000);
    expect(change.cache({ memory: false })).toEqual({ memory: false });
    const declared = [{ name: 'readmission_off', claim: 'c', change: 'c', stack: change }];
    expect(
      cacheConfigFor({ control: declared[0] }, declared, config).redis?.monitor?.breaker?.halfOpenAfter,
    ).toBe(60_000);
    expect(cacheConfigFor({}, declared, config)).toBe(config);
    expect(() => cacheConfigFor({ control: fails }, declared, config)).toThrow(UndeclaredControlError);
  });
});
