import { pino } from 'pino';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import type { ScenarioResult } from '../../../src/report/report.js';
import { NeedChecker } from '../../../src/suite/needs.js';
import { runScenarios } from '../../../src/suite/runner.js';
import type { Scenario } from '../../../src/suite/scenario.js';

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
  if (process.env.FAULTLINE_PRINT) {
    const j = result.journal;
    console.log(
      JSON.stringify({
        id: result.id,
        status: result.status,
        reason: result.reason,
        seed: result.seed,
        custom: j?.metrics.custom,
        load: j?.metrics.load && {
          requests: j.metrics.load.requests,
          errors: j.metrics.load.errors,
          p99: j.metrics.load.latency_ms.p99,
          max: j.metrics.load.latency_ms.max,
          status_codes: j.metrics.load.status_codes,
        },
        faults: j?.faults.map((f) => [
          f.name,
          f.target,
          f.injected_ms,
          f.reverted_ms,
          f.revert_reason,
          f.error,
        ]),
        run: j?.run.map((r) => [r.name, r.status, Math.round(r.start_ms), Math.round(r.end_ms), r.error]),
        failed: j?.run.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.error}`),
        during: j?.steady_states.during
          .filter((c) => !c.met)
          .map((c) => c.probes.map((p) => [p.name, p.value])),
      }),
    );
  }
  return result;
}
