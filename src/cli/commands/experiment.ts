import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  type Experiment,
  type Journal,
  loadExperimentFile,
  runExperiment,
} from '../../chaos/experiment/index.js';
import { resolveExperiment } from '../../chaos/experiment/resolve-experiment.js';
import { installEmergencyHandlers, type SafetyCheck, SafetyController } from '../../chaos/safety/index.js';
import { UsageError } from '../../common/errors.js';
import { freshSeed } from '../../common/rng.js';
import type { CommandRegistrar } from './command-registrar.js';

interface RunOptions {
  journal?: string;
  seed?: string;
  dryRun?: boolean;
  iKnowWhatIAmDoing?: boolean;
  isolation: boolean;
  logLevel: string;
}

/** Exit codes of `experiment run`, by journal status. */
export const EXPERIMENT_EXIT_CODES = { completed: 0, failed: 1, aborted: 4, interrupted: 130 } as const;

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 0xffffffff) {
    throw new UsageError(`--seed must be an integer from 0 to 4294967295, got "${value}"`);
  }
  return n;
}

function outline(e: Experiment): string {
  const faults = [...e.method, ...e.rollbacks].filter(
    (a) => a.type === 'action' && a.fault !== undefined,
  ).length;
  const probes = e.steady_state_hypothesis?.probes.length ?? 0;
  return `"${e.title}": ${probes} hypothesis probe(s), ${e.method.length} method activit${e.method.length === 1 ? 'y' : 'ies'} (${faults} fault(s)), ${e.rollbacks.length} rollback(s)${e.load ? ', load' : ''}`;
}

function printChecks(checks: SafetyCheck[]): void {
  for (const c of checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
}

function summary(file: string, journal: Journal, journalPath: string | undefined): string {
  const lines = [
    `${file}: ${journal.status}${journal.deviated ? ' (deviated)' : ''} in ${Math.round(journal.duration_ms)} ms, seed ${journal.seed}`,
  ];
  if (journal.error) lines.push(`  ${journal.error.code}: ${journal.error.message}`);
  for (const f of journal.faults) {
    lines.push(
      `  fault ${f.name} (${f.kind}): injected at ${Math.round(f.injected_ms)} ms, ` +
        (f.reverted_ms === null
          ? 'NOT reverted'
          : `reverted at ${Math.round(f.reverted_ms)} ms (${f.revert_reason})`) +
        (f.error ? `: ${f.error}` : ''),
    );
  }
  const load = journal.metrics.load;
  if (load) {
    lines.push(
      `  load: ${load.requests} requests, error rate ${(load.error_rate * 100).toFixed(2)} %, p99 ${load.latency_ms.p99.toFixed(1)} ms` +
        (load.time_to_recover_ms === null ? '' : `, recovered in ${Math.round(load.time_to_recover_ms)} ms`),
    );
  }
  if (journalPath) lines.push(`  journal: ${journalPath}`);
  return `${lines.join('\n')}\n`;
}

async function runFile(file: string, options: RunOptions): Promise<number> {
  const experiment = await loadExperimentFile(file);
  const seed = options.seed === undefined ? (experiment.seed ?? freshSeed()) : parseSeed(options.seed);
  const logger = pino({ name: 'faultline', level: options.logLevel }, pino.destination(2));
  const safety = new SafetyController({
    allowUnsafe: options.iKnowWhatIAmDoing === true,
    ...(options.isolation ? {} : { isolated: false }),
    logger,
  });
  if (!safety.safetyEnabled) {
    process.stderr.write(
      '\n!!! WARNING: SAFETY CHECKS ARE DISABLED (CHAOS_SAFETY_ENABLED=false --i-know-what-i-am-doing).\n' +
        '!!! The environment, the database and Redis isolation and the host guards are NOT checked.\n\n',
    );
  }
  if (options.dryRun) {
    process.stdout.write(`${file}: valid: ${outline(experiment)}\n`);
    const checks = safety.checks();
    printChecks(checks);
    resolveExperiment(experiment, {}, file); // builds every fault and probe, injects nothing
    process.stdout.write('  ok   faults and probes: built (nothing injected)\n');
    return checks.every((c) => c.ok) ? 0 : 3;
  }
  safety.assertSafe();
  let journal: Promise<Journal> | undefined;
  const write = async (): Promise<void> => {
    if (!journal || !options.journal) return;
    const text = `${JSON.stringify(await journal, null, 2)}\n`;
    try {
      await mkdir(dirname(options.journal), { recursive: true });
      await writeFile(options.journal, text);
    } catch (err) {
      throw new UsageError(
        `cannot write the journal to ${options.journal}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  };
  // SIGINT/SIGTERM: revert everything, write the journal (bounded), exit 130.
  const finalizer = safety.addFinalizer(write);
  const uninstall = installEmergencyHandlers(safety, {
    exit: (code) => {
      logger.flush();
      process.exit(code);
    },
  });
  try {
    process.stdout.write(`${file}: running "${experiment.title}" (seed ${seed})\n`);
    journal = runExperiment(experiment, { safety, logger, source: file, seed });
    const result = await journal;
    process.stdout.write(summary(file, result, options.journal));
    await write();
    return EXPERIMENT_EXIT_CODES[result.status];
  } finally {
    finalizer.dispose();
    uninstall();
    logger.flush();
  }
}

/** `faultline experiment validate|run FILE`. */
export const experimentCommand: CommandRegistrar = (program: Command, setExitCode) => {
  const experiment = program.command('experiment').description('Validate and run chaos experiment files');
  experiment
    .command('validate')
    .description('Check an experiment file (YAML or JSON) against the schema; one line per problem')
    .argument('<file>', 'experiment file (.yaml, .yml or .json)')
    .action(async (file: string) => {
      const e = await loadExperimentFile(file);
      process.stdout.write(`${file}: valid: ${outline(e)}\n`);
      setExitCode(0);
    });
  experiment
    .command('run')
    .description(
      'Run an experiment and write its journal (exit 0 completed, 1 failed, 3 refused, 4 aborted, 130 interrupted)',
    )
    .argument('<file>', 'experiment file (.yaml, .yml or .json)')
    .option('--journal <path>', 'write the journal (JSON) here')
    .option('--seed <n>', "seed of every random choice (default: the file's seed, else random; printed)")
    .option('--dry-run', 'validate, build faults and probes, print the safety checks; inject nothing')
    .option('--no-isolation', 'allow DATABASE_URL / REDIS_URL off loopback (dangerous)')
    .option('--i-know-what-i-am-doing', 'with CHAOS_SAFETY_ENABLED=false: really turn the safety checks off')
    .option(
      '--log-level <level>',
      'pino log level on stderr (fatal, error, warn, info, debug, silent)',
      'warn',
    )
    .action(async (file: string, options: RunOptions) => {
      setExitCode(await runFile(file, options));
    });
};
