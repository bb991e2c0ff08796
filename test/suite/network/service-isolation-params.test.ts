import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { resolveRunConfig, scenarioEnvOf } from '../../../src/cli/commands/run-config.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import { runScenarios } from '../../../src/runner/runner.js';
import { resolveParams } from '../../../src/runner/scenario-params.js';
import { serviceIsolation } from '../../../src/suite/network/service-isolation.js';

// The config file's `overrides` change what the scenario does and judges, through the same
// runner as `faultline run`: a lower load rate and shorter phases reach the load and the method,
// and a tighter bound makes the hypothesis fail (the defaults pass: test/suite/network/network.test.ts).
describe('network.service-isolation params', () => {
  it('overrides of rate, phases and a bound change the run and the verdict', {
    timeout: 90_000,
  }, async () => {
    const env = { ...process.env, ENVIRONMENT: 'test' };
    const config = resolveRunConfig({}, env);
    const safety = new SafetyController({ env, isolated: config.isolated });
    const params = resolveParams([serviceIsolation], {
      'network.service-isolation': {
        rate: 40,
        steady_ms: 1500,
        fault_ms: 2500,
        recover_ms: 1500,
        max_wait_ms: 1,
      },
    });
    const { results } = await runScenarios({
      scenarios: [serviceIsolation],
      seed: 1,
      env: scenarioEnvOf(config),
      logger: pino({ level: 'silent' }),
      needs: new NeedChecker({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl }),
      timeoutMs: 60_000,
      maxScenarioMs: 60_000,
      maxFailures: 1,
      concurrency: 1,
      safety,
      params,
    });
    const result = results[0];
    expect(result?.status, result?.reason).toBe('failed');
    expect(result?.reason).toMatch(/the longest any request waited was [\d.]+ ms, expected ≤ 1 ms/);
    // 40 req/s over a 2.5 s partition is about 100 requests (the defaults, 120 req/s over 4 s, ~480).
    const requestsFault = result?.metrics.custom.requests_fault ?? Number.NaN;
    expect(requestsFault).toBeGreaterThan(50);
    expect(requestsFault).toBeLessThan(200);
  });
});
