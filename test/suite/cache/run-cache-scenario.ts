import { pino } from 'pino';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { resolveRunConfig, scenarioEnvOf } from '../../../src/cli/commands/run-config.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import type { ScenarioResult } from '../../../src/runner/run-report.js';
import { runScenarios } from '../../../src/runner/runner.js';
import type { Scenario } from '../../../src/runner/scenario.js';

/**
 * One scenario through the same runner and verdict as `faultline run` (as
 * `defineScenarioTests` does), returning the result so a negative control can expect `failed`.
 */
export async function runCacheScenario(scenario: Scenario, seed = 1): Promise<ScenarioResult> {
  const env = {
    ...process.env,
    ENVIRONMENT: process.env.ENVIRONMENT ?? (process.env.NODE_ENV === 'test' ? 'test' : undefined),
  };
  const config = resolveRunConfig({}, env);
  const safety = new SafetyController({
    env: { ...env, REDIS_URL: config.redisUrl, DATABASE_URL: config.databaseUrl },
    isolated: config.isolated,
  });
  safety.assertSafe();
  const limitMs = scenario.timeoutMs ?? 120_000;
  const { results } = await runScenarios({
    scenarios: [scenario],
    seed,
    env: scenarioEnvOf(config),
    logger: pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' }),
    needs: new NeedChecker({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl }),
    timeoutMs: limitMs,
    maxScenarioMs: config.maxDurationMs ?? safety.maxExperimentMs,
    maxFailures: 1,
    concurrency: 1,
    safety,
  });
  return results[0] as ScenarioResult;
}
