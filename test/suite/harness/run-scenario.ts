import { pino } from 'pino';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import type { ScenarioResult } from '../../../src/runner/run-report.js';
import { runScenarios } from '../../../src/runner/runner.js';
import type { Scenario } from '../../../src/runner/scenario.js';

/**
 * Runs one scenario the way `faultline run` does (same runner, same verdict), for vitest.
 * The seed comes from FAULTLINE_SEED when set, so a failing run can be replayed.
 */
export async function runScenarioForTest(scenario: Scenario): Promise<ScenarioResult> {
  const env = {
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15',
    databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
    mockExternal: true,
    isolated: true,
    monitoring: false,
  };
  const seed = process.env.FAULTLINE_SEED ? Number(process.env.FAULTLINE_SEED) : Date.now() >>> 0;
  const { results } = await runScenarios({
    scenarios: [scenario],
    seed,
    env,
    logger: pino({ level: process.env.FAULTLINE_LOG_LEVEL ?? 'silent' }),
    needs: new NeedChecker({ redisUrl: env.redisUrl, databaseUrl: env.databaseUrl }),
    timeoutMs: 120_000,
    maxScenarioMs: 90_000,
    maxFailures: 1,
    concurrency: 1,
    safety: new SafetyController({ env: { ...process.env, ENVIRONMENT: 'chaos_test' } }),
  });
  const result = results[0] as ScenarioResult;
  return result;
}
