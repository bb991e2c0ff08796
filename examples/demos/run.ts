/**
 * Runs the two demo scenarios (a killed process; added proxy latency) through the scenario runner,
 * with the package's public API only, and prints the summary table:
 *
 *   npx tsx examples/demos/run.ts [--seed N] [--html report.html]
 *
 * They are examples of writing and running your own scenarios, not part of the seed's suite:
 * `faultline run` does not run them and they do not count in its resilience score.
 * Exit code 0 when both pass, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import {
  createRunReport,
  formatSummary,
  installEmergencyHandlers,
  NeedChecker,
  runScenarios,
  SafetyController,
  writeHtmlReport,
} from 'faultline';
import { pino } from 'pino';
import { demoScenarios } from './scenarios.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, html: { type: 'string' } } });
const seed = values.seed === undefined ? 1 : Number(values.seed);
const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const safety = new SafetyController({ env: { ENVIRONMENT: 'test', ...process.env }, logger });
const uninstall = installEmergencyHandlers(safety);
const startedAt = new Date();
try {
  const { results, outcome } = await runScenarios({
    scenarios: demoScenarios,
    seed,
    env: { redisUrl: '', databaseUrl: '', mockExternal: true, isolated: true, monitoring: true },
    logger,
    needs: new NeedChecker({ redisUrl: '', databaseUrl: '' }),
    timeoutMs: 120_000,
    maxScenarioMs: 60_000,
    maxFailures: demoScenarios.length,
    concurrency: 1,
    safety,
    signal: safety.signal,
  });
  const exitCode = results.every((r) => r.status === 'passed') ? 0 : 1;
  const report = createRunReport({
    version: 'examples',
    startedAt,
    endedAt: new Date(),
    seed,
    environment: 'test',
    outcome,
    exitCode,
    options: {},
    results,
  });
  process.stdout.write(`${formatSummary(report)}\n`);
  if (values.html) process.stdout.write(`html: ${await writeHtmlReport(values.html, report)}\n`);
  process.exitCode = exitCode;
} finally {
  uninstall();
}
