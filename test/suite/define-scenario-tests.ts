import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SafetyController } from '../../src/chaos/safety/safety-controller.js';
import { resolveRunConfig, scenarioEnvOf } from '../../src/cli/commands/run-config.js';
import { NeedChecker } from '../../src/runner/needs.js';
import type { ScenarioResult } from '../../src/runner/run-report.js';
import { controlResultOf, runScenarios } from '../../src/runner/runner.js';
import type { Scenario } from '../../src/runner/scenario.js';

export interface ScenarioTestOptions {
  /** Seed of the run (default: SEED env var, else 1, so test runs replay). */
  seed?: number;
  /** Extra time vitest allows beyond the scenario's own limit, for setup and cleanup. @default 20000 */
  slackMs?: number;
}

/**
 * Runs scenarios under vitest, as the seed runs its suite under pytest: one `describe` per
 * category, one `it` per scenario named after `scenario.name`, so
 *
 *   npx vitest run test/suite/service         # a category's file
 *   npx vitest run test/suite -t random_crashes       # one scenario
 *
 * Each test goes through the same runner as `faultline run` (need checks, isolation, time
 * limits, verdict): a missing need skips the test with its reason, anything but `passed`
 * fails it with the reason. The environment comes from the same variables as the CLI;
 * ENVIRONMENT defaults to `test` under vitest (NODE_ENV=test) and is checked by the safety
 * controller like any other value.
 *
 * Each negative control of a scenario is a test too, named `<name> control <control>`
 * (`-t "random_crashes control retries_off"`): the scenario with that capability switched off
 * must fail, on one of the checks the control `misses` when it names them; passing (or failing on
 * another check) means its claim is not proven, and the test fails.
 */
export function defineScenarioTests(scenarios: readonly Scenario[], options: ScenarioTestOptions = {}): void {
  const byCategory = new Map<string, Scenario[]>();
  for (const s of scenarios) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
  const env = {
    ...process.env,
    ENVIRONMENT: process.env.ENVIRONMENT ?? (process.env.NODE_ENV === 'test' ? 'test' : undefined),
  };
  const seed = options.seed ?? (process.env.SEED ? Number(process.env.SEED) : 1);

  for (const [category, list] of byCategory) {
    describe(category, () => {
      for (const scenario of list) {
        const limitMs = scenario.timeoutMs ?? 120_000;
        const run = async (target: Scenario): Promise<ScenarioResult> => {
          const config = resolveRunConfig({}, env);
          const safety = new SafetyController({
            env: { ...env, REDIS_URL: config.redisUrl, DATABASE_URL: config.databaseUrl },
            isolated: config.isolated,
          });
          safety.assertSafe();
          const { results } = await runScenarios({
            scenarios: [target],
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
        };
        const timeout = limitMs + (options.slackMs ?? 20_000);
        it(scenario.name, { timeout }, async (t) => {
          const result = await run(scenario);
          if (result.status === 'skipped') {
            t.skip(`${result.reason}${result.provide ? ` (to provide: ${result.provide})` : ''}`);
            return;
          }
          expect(result.status, `${scenario.id}: ${result.reason ?? ''}`).toBe('passed');
        });
        for (const control of scenario.controls ?? []) {
          it(`${scenario.name} control ${control.name}`, { timeout }, async (t) => {
            // The same run with the control in its context, as `faultline run --controls` does.
            const result = await run({ ...scenario, run: (ctx) => scenario.run({ ...ctx, control }) });
            if (result.status === 'skipped') {
              t.skip(`${result.reason}${result.provide ? ` (to provide: ${result.provide})` : ''}`);
              return;
            }
            const verdict = controlResultOf(control, result);
            expect(result.status, `${scenario.id} control ${control.name}: ${verdict.reason ?? ''}`).toBe(
              'failed',
            );
            // ... and failed for its claim: on one of the checks it `misses`, when it names them.
            expect(verdict.proven, `${scenario.id} control ${control.name}: ${verdict.reason ?? ''}`).toBe(
              true,
            );
          });
        }
      }
    });
  }
}
