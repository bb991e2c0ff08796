import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import { runScenarios } from '../../../src/runner/runner.js';
import type { Phase, Scenario } from '../../../src/runner/scenario.js';
import { demoProcessKill } from '../../../src/suite/demo/process-kill.js';
import { demoProxyLatency } from '../../../src/suite/demo/proxy-latency.js';

// The demos really break something: their journals show the fault and its effect on the load.

async function runDemo(scenario: Scenario) {
  const phases: Phase[] = [];
  const safety = new SafetyController({ env: { ENVIRONMENT: 'test' } });
  const { results } = await runScenarios({
    scenarios: [scenario],
    seed: 11,
    env: { redisUrl: '', databaseUrl: '', mockExternal: true, isolated: true, monitoring: false },
    logger: pino({ level: 'silent' }),
    needs: new NeedChecker({ redisUrl: '', databaseUrl: '' }),
    timeoutMs: 60_000,
    maxScenarioMs: 60_000,
    maxFailures: 1,
    concurrency: 1,
    safety,
    observer: { onPhase: (_s, p) => phases.push(p) },
  });
  expect(safety.active()).toEqual([]);
  return { result: results[0], phases };
}

describe('demo scenarios', { timeout: 90_000 }, () => {
  it('process kill: the service is killed, errors rise under fault, it comes back', async () => {
    const { result, phases } = await runDemo(demoProcessKill);
    expect(result?.status, result?.reason).toBe('passed');
    const journal = result?.journal;
    expect(journal?.faults).toHaveLength(1);
    expect(journal?.faults[0]).toMatchObject({
      kind: 'process.kill',
      target: 'demo-service',
      revert_reason: 'completed',
    });
    expect(result?.metrics.error_rate_under_fault).toBeGreaterThan(0.3);
    expect(result?.metrics.time_to_recover_ms).not.toBeNull();
    expect(result?.hypothesis).toMatchObject({ before: true, after: true });
    expect(phases).toEqual(['setup', 'steady_state', 'inject', 'observe', 'recover', 'teardown']);
    // monitoring is off in this run (CHAOS_MONITORING=false): no target sampling
    expect(journal?.metrics.targets).toEqual([]);
  });

  it('proxy latency: p99 rises by the toxic under fault, no errors, hypothesis holds throughout', async () => {
    const { result } = await runDemo(demoProxyLatency);
    expect(result?.status, result?.reason).toBe('passed');
    const journal = result?.journal;
    expect(journal?.faults[0]).toMatchObject({ kind: 'toxic', target: 'demo', revert_reason: 'completed' });
    expect(result?.metrics.p99_under_fault_ms).toBeGreaterThanOrEqual(130);
    expect(result?.metrics.error_rate_under_fault).toBe(0);
    expect(result?.hypothesis.during_met_ratio).toBe(1);
    expect(journal?.steady_states.during.length).toBeGreaterThanOrEqual(3);
  });
});
