import { pino } from 'pino';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import type { ScenarioControl } from '../../../src/runner/control.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import type { ScenarioResult } from '../../../src/runner/run-report.js';
import { runScenarios } from '../../../src/runner/runner.js';
import type { Scenario } from '../../../src/runner/scenario.js';

/** A safety controller for the suite's own runs: they run in a test environment by definition. */
export function testSafetyController(): SafetyController {
  return new SafetyController({ env: { ...process.env, ENVIRONMENT: 'chaos_test' } });
}

/**
 * Runs one scenario the way `faultline run` does (same runner, same verdict), for vitest.
 * The seed comes from FAULTLINE_SEED when set, so a failing run can be replayed. `signal`
 * interrupts it as Ctrl+C does `faultline run`: the scenario is aborted and its cleanup (the
 * processes, ports and faults it made) runs before this resolves.
 */
export async function runScenarioForTest(
  scenario: Scenario,
  control?: ScenarioControl,
  options: { signal?: AbortSignal; safety?: SafetyController } = {},
): Promise<ScenarioResult> {
  const env = {
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15',
    databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
    mockExternal: true,
    isolated: true,
    monitoring: false,
  };
  const seed = process.env.FAULTLINE_SEED ? Number(process.env.FAULTLINE_SEED) : Date.now() >>> 0;
  const { results } = await runScenarios({
    // A control runs as the scenario with the control in its context, as `--controls` does.
    scenarios: [control ? { ...scenario, run: (ctx) => scenario.run({ ...ctx, control }) } : scenario],
    seed,
    env,
    logger: pino({ level: process.env.FAULTLINE_LOG_LEVEL ?? 'silent' }),
    needs: new NeedChecker({ redisUrl: env.redisUrl, databaseUrl: env.databaseUrl }),
    timeoutMs: 120_000,
    maxScenarioMs: 90_000,
    maxFailures: 1,
    concurrency: 1,
    safety: options.safety ?? testSafetyController(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const result = results[0] as ScenarioResult;
  return result;
}
