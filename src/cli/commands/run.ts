import { type Command, Option } from 'commander';
import { SafetyRefusedError } from '../../chaos/safety/errors.js';
import { SafetyController } from '../../chaos/safety/safety-controller.js';
import { UsageError } from '../../common/errors.js';
import { packageVersion } from '../../common/package-version.js';
import { freshSeed } from '../../common/rng.js';
import { redactUrl } from '../../common/text.js';
import { writeHtmlReport } from '../../report/html.js';
import { writeJsonReport } from '../../report/json.js';
import { writeJunitReport } from '../../report/junit.js';
import { isLiveTerminal, TerminalView } from '../../report/terminal.js';
import { reportFileProblem } from '../../report/write-file.js';
import { createRunReport } from '../../runner/create-run-report.js';
import { NEEDS, type Need, type NeedCheck, NeedChecker } from '../../runner/needs.js';
import type { RunReport } from '../../runner/run-report.js';
import { runScenarios } from '../../runner/runner.js';
import { CATEGORIES, type Scenario } from '../../runner/scenario.js';
import { TARGET_NAMES, targetNamed } from '../../targets/targets.js';
import type { CommandRegistrar } from './command-registrar.js';
import {
  collectDirs,
  parseCategory,
  parsePositiveInt,
  parsePositiveNumber,
  parseSeed,
  parseTarget,
  type RunConfig,
  type RunFlags,
  scenarioEnvOf,
} from './run-config.js';
import { dryRunReport } from './run-dry-run.js';
import { formatScenarioList } from './run-list.js';
import { createRunLogger } from './run-logger.js';
import { prepareRun } from './run-setup.js';

/** What `faultline run` runs against; tests swap the scenarios, streams and environment. */
export interface RunCommandDeps {
  scenarios?: readonly Scenario[];
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream;
  needs?: Record<Need, NeedCheck>;
  /** Where `faultline.config.yaml` and relative paths are looked up. @default process.cwd() */
  cwd?: string;
}

/** Exit codes of `faultline run`. */
export const EXIT = { passed: 0, failed: 1, usage: 2, refused: 3, interrupted: 130 } as const;

const ENV_HELP = `
Environment variables (a flag wins over its variable):
  ENVIRONMENT            required; must be test, chaos_test or development (export ENVIRONMENT=chaos_test)
  DATABASE_URL           test database       (--database-url; default postgresql://postgres@127.0.0.1:5432/test)
  REDIS_URL              test Redis           (--redis-url; default redis://127.0.0.1:6379/15)
  CHAOS_MAX_DURATION     per-scenario limit in seconds (--max-duration; default 300)
  CHAOS_MAX_RUN_DURATION backstop limit of the whole run in seconds (default --timeout + 60)
  CHAOS_SAFETY_ENABLED   false disables the safety refusals, only together with --yes (default true)
  CHAOS_MOCK_EXTERNAL    false = --no-mock-external, and confirms it (default true)
  CHAOS_ISOLATED         false = --no-isolation, and confirms it (default true)
  CHAOS_MONITORING       false = --no-monitoring (default true)
  CHAOS_LOG_FILE         JSON-lines log file (--log-file)
  FAULTLINE_TARGETS      comma-separated targets (--target; default faultline), e.g. haproxy,external:stack.yaml
  CI                     true: plain progress lines instead of the live view

Config file: ./faultline.config.yaml or --config FILE (docs/configuration.md); a flag wins over its
variable, a variable over the file, the file over the default. --dry-run shows each value's source.
Your own scenarios: --scenarios DIR or the file's scenarios: globs; \`faultline scenario new NAME\`.

Exit codes: 0 all passed (skips allowed), 1 a scenario failed or errored (or was not run, or,
with --controls, is not proven: one of its negative controls did not fail),
2 usage or invalid configuration, 3 refused by safety, 130 interrupted (Ctrl+C).

Examples:
  export ENVIRONMENT=chaos_test
  faultline run --category network --category database
  faultline run --dry-run                        # also prints the effective configuration and its sources
  faultline run --config ci.yaml --scenarios ./chaos --category payments
  faultline run --category latency --controls    # each claim switched off must make its scenario fail
  faultline run --target faultline --target haproxy --target nginx --category service   # side by side
  faultline run --timeout 300 --report chaos_report.json --html report.html --junit junit.xml
  jq '.results[] | {name: .name, status: .status}' chaos_report.json
`;

export function createRunCommand(deps: RunCommandDeps = {}): CommandRegistrar {
  return (program, setExitCode) => {
    program
      .command('run')
      .description('Run chaos scenarios and report on them')
      .addOption(
        new Option(
          '--category <name>',
          `category to run, repeatable (${CATEGORIES.join(', ')}, or one of your scenarios)`,
        ).argParser(parseCategory),
      )
      // --- issue 15 (config file, user scenarios): src/cli/config/, run-setup.ts ---
      .option('--config <file>', 'configuration file (default: ./faultline.config.yaml when present)')
      .addOption(
        new Option('--scenarios <dir>', 'also load your own scenarios from DIR (repeatable)').argParser(
          collectDirs,
        ),
      )
      // --- end issue 15 ---
      .addOption(
        new Option(
          '--target <name>',
          `system under test, repeatable: ${TARGET_NAMES.join(', ')}, or external:FILE (your own stack, described in FILE) (default faultline; FAULTLINE_TARGETS); see docs/targets.md`,
        ).argParser(parseTarget),
      )
      .addOption(
        new Option('--timeout <seconds>', 'time limit of the whole run')
          .argParser(parsePositiveNumber)
          .default(600),
      )
      .addOption(
        new Option(
          '--max-failures <n>',
          'stop after this many failed scenarios; the rest are reported not_run',
        )
          .argParser(parsePositiveInt)
          .default(5),
      )
      .option('--parallel', 'run scenarios concurrently (one per CPU core), each isolated')
      .option(
        '--controls',
        "also run each passed scenario's negative controls (its claims switched off one by one); each must fail",
      )
      .option('--no-mock-external', 'do not mock external services (dangerous: needs --yes)')
      .option('--no-isolation', 'no per-scenario ports, Redis prefix, temp dir (dangerous: needs --yes)')
      .option('--no-monitoring', 'do not sample CPU, memory and event-loop lag of the targets')
      .option('-y, --yes', 'confirm dangerous options (and CHAOS_SAFETY_ENABLED=false)')
      .option('--report <file>', 'write the JSON report to FILE')
      .option('--html <file>', 'write the self-contained HTML report to FILE')
      .option('--junit <file>', 'write a JUnit XML report to FILE')
      .option(
        '--dry-run',
        'check safety and every dependency, list what would run and be skipped; run nothing',
      )
      .option('--verbose', 'log debug output (JSON lines) to stderr')
      .addOption(
        new Option('--seed <n>', 'seed for every random choice (printed; replays a run)').argParser(
          parseSeed,
        ),
      )
      .option('--list', 'list the selected scenarios and exit')
      .option('--filter <pattern>', 'only scenarios whose id or name contains PATTERN, or matches /REGEX/')
      .addOption(
        new Option('--max-duration <seconds>', 'time limit of one scenario (CHAOS_MAX_DURATION)').argParser(
          parsePositiveNumber,
        ),
      )
      .option('--redis-url <url>', 'test Redis (REDIS_URL)')
      .option('--database-url <url>', 'test database (DATABASE_URL)')
      .option('--log-file <file>', 'JSON-lines log file (CHAOS_LOG_FILE)')
      .addHelpText('after', ENV_HELP)
      .action(async (flags: RunFlags, command: Command) => {
        // Commander gives negated flags a default of true; "not given" must stay undefined so
        // that CHAOS_MOCK_EXTERNAL, CHAOS_ISOLATED and CHAOS_MONITORING can apply.
        // Likewise the flags with a shown default, so the config file can set them (issue 15).
        for (const key of ['mockExternal', 'isolation', 'monitoring', 'timeout', 'maxFailures'] as const) {
          if (command.getOptionValueSource(key) === 'default') delete flags[key];
        }
        setExitCode(await runAction(flags, deps));
      });
  };
}

/** The `run` subcommand bound to the scenario registry. */
export const runCommand: CommandRegistrar = createRunCommand();

async function runAction(flags: RunFlags, deps: RunCommandDeps): Promise<number> {
  const env = deps.env ?? process.env;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  // The registry imports every scenario and, through them, the whole stack: load it only when
  // it is needed, so `--help` and bad flags answer fast and do not depend on it.
  const { config, selected, params } = await prepareRun(
    flags,
    env,
    deps.scenarios ?? (async () => (await import('../../suite/registry.js')).scenarios),
    deps.cwd,
  );

  if (config.list) {
    stdout.write(formatScenarioList(selected));
    return EXIT.passed;
  }
  for (const warning of config.warnings) stderr.write(`faultline: WARNING: ${warning}\n`);
  // A selection that matches nothing is a mistake (a typo in --filter), not a green run.
  if (selected.length === 0 && !config.dryRun) {
    throw new UsageError(
      'no scenario matches the selection (--category/--filter); see `faultline run --list`',
      {
        code: 'FL_RUN_NOTHING_SELECTED',
      },
    );
  }

  if (config.environment === undefined) {
    throw new SafetyRefusedError(['ENVIRONMENT is not set; run `export ENVIRONMENT=chaos_test` first']);
  }

  for (const [flag, file] of [
    ['--report', config.reportFile],
    ['--html', config.htmlFile],
    ['--junit', config.junitFile],
  ] as const) {
    const problem = file === undefined ? undefined : await reportFileProblem(file);
    if (problem) throw new UsageError(`${flag}: ${problem}`, { code: 'FL_RUN_REPORT_PATH' });
  }
  const { logger, close } = openLogger(config);
  try {
    const safety = new SafetyController({
      env: { ...env, REDIS_URL: config.redisUrl, DATABASE_URL: config.databaseUrl },
      allowUnsafe: config.yes,
      isolated: config.isolated,
      // The run's own --timeout ends it gracefully; the controller's run limit is a backstop.
      maxRunMs: config.maxRunMs,
      emergencyBudgetMs: config.emergencyBudgetMs,
      ...(config.maxDurationMs === undefined ? {} : { maxExperimentMs: config.maxDurationMs }),
      logger,
    });
    const needs = new NeedChecker(
      { redisUrl: config.redisUrl, databaseUrl: config.databaseUrl },
      deps.needs ?? NEEDS,
    );
    if (!safety.safetyEnabled) {
      stderr.write(
        'faultline: WARNING: safety checks are DISABLED (CHAOS_SAFETY_ENABLED=false with --yes)\n',
      );
    }
    if (config.dryRun) {
      const { text, refused } = await dryRunReport(selected, config, safety, needs, params);
      stdout.write(text);
      return refused ? EXIT.refused : EXIT.passed;
    }
    safety.assertSafe();
    return await execute(selected, config, safety, needs, { stdout, stderr, logger, env }, params);
  } finally {
    await close();
  }
}

/** The run logger; a log file that cannot be opened is a usage error, not a crash. */
function openLogger(config: RunConfig): ReturnType<typeof createRunLogger> {
  try {
    return createRunLogger({
      verbose: config.verbose,
      ...(config.logFile ? { logFile: config.logFile } : {}),
    });
  } catch (err) {
    throw new UsageError(`cannot open the log file ${config.logFile}: ${(err as Error).message}`, {
      code: 'FL_RUN_LOG_FILE',
    });
  }
}

async function execute(
  selected: readonly Scenario[],
  config: RunConfig,
  safety: SafetyController,
  needs: NeedChecker,
  io: {
    stdout: NonNullable<RunCommandDeps['stdout']>;
    stderr: NodeJS.WritableStream;
    logger: import('pino').Logger;
    env: NodeJS.ProcessEnv;
  },
  params: ReadonlyMap<string, Readonly<Record<string, number>>>,
): Promise<number> {
  const seed = config.seed ?? freshSeed();
  const startedAt = new Date();
  // The specs were checked while the config was resolved (a bad target file is exit 2 there).
  const targets = config.targets.map((spec) => targetNamed(spec));
  const targetNames = targets.map((t) => t.name);
  const view = new TerminalView({
    stream: io.stdout,
    live: isLiveTerminal(io.stdout, io.env),
    showTargets: targets.length > 1 || targets[0]?.name !== 'faultline',
  });
  view.begin(
    selected.length * targets.length,
    `faultline run: ${selected.length} scenario${selected.length === 1 ? '' : 's'}` +
      `${targets.length > 1 || targetNames[0] !== 'faultline' ? ` on ${targetNames.join(', ')}` : ''}, seed ${seed}, ENVIRONMENT=${config.environment}` +
      `${config.controls ? `, with ${selected.reduce((n, s) => n + (s.controls?.length ?? 0), 0)} negative controls` : ''}` +
      `${config.parallel ? `, parallel ${config.concurrency}` : ''}`,
  );
  io.logger.info({ seed, scenarios: selected.map((s) => s.id), config }, 'run started');

  // Ctrl+C: abort the scenarios, let the safety controller revert every fault, write the
  // reports with what finished, exit 130. A second Ctrl+C leaves at once.
  const interrupt = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    io.stderr.write(`\nfaultline: ${signal}: stopping scenarios and reverting faults (again to force)\n`);
    interrupt.abort(signal);
    void safety.emergencyStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A stop condition or other emergency stop ends the run like Ctrl+C.
  const onEmergency = safety.onEmergencyStop((reason) => {
    interrupted = true;
    interrupt.abort(reason);
  });

  let outcome: Awaited<ReturnType<typeof runScenarios>>;
  try {
    outcome = await runScenarios({
      scenarios: selected,
      seed,
      env: scenarioEnvOf(config),
      logger: io.logger,
      needs,
      timeoutMs: config.timeoutMs,
      maxScenarioMs: safety.maxExperimentMs,
      maxFailures: config.maxFailures,
      concurrency: config.concurrency,
      controls: config.controls,
      params,
      targets,
      signal: interrupt.signal,
      safety,
      observer: view,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    onEmergency.dispose();
    view.close();
  }

  const results = outcome.results;
  let exitCode: number =
    outcome.outcome === 'interrupted'
      ? EXIT.interrupted
      : results.every((r) => (r.status === 'passed' || r.status === 'skipped') && r.proof !== 'not_proven')
        ? EXIT.passed
        : EXIT.failed;
  const report: RunReport = createRunReport({
    version: packageVersion(),
    startedAt,
    endedAt: new Date(),
    seed,
    environment: config.environment ?? '',
    outcome: outcome.outcome,
    exitCode,
    options: reportOptions(config, selected),
    results,
    targets: targetNames,
  });
  view.end(report);
  for (const [file, write, label] of [
    [config.reportFile, writeJsonReport, 'JSON'],
    [config.htmlFile, writeHtmlReport, 'HTML'],
    [config.junitFile, writeJunitReport, 'JUnit'],
  ] as const) {
    if (!file) continue;
    try {
      io.stdout.write(`${label} report: ${await write(file, report)}\n`);
    } catch (err) {
      // The run itself is over; say what failed in one line and exit 2 unless worse happened.
      io.stderr.write(
        `faultline: could not write the ${label} report to ${file}: ${(err as Error).message}\n`,
      );
      if (exitCode === EXIT.passed) exitCode = EXIT.usage;
    }
  }
  io.logger.info({ outcome: outcome.outcome, exitCode, summary: report.summary }, 'run ended');
  return exitCode;
}

function reportOptions(config: RunConfig, selected: readonly Scenario[]): Record<string, unknown> {
  return {
    categories: config.categories,
    filter: config.filter ?? null,
    timeout_s: config.timeoutMs / 1000,
    max_failures: config.maxFailures,
    parallel: config.parallel,
    controls: config.controls,
    concurrency: config.concurrency,
    mock_external: config.mockExternal,
    isolated: config.isolated,
    monitoring: config.monitoring,
    max_duration_s: config.maxDurationMs === undefined ? null : config.maxDurationMs / 1000,
    redis_url: redactUrl(config.redisUrl),
    database_url: redactUrl(config.databaseUrl),
    scenarios: selected.map((s) => s.id),
    targets: config.targets,
    config_file: config.configFile ?? null,
    overrides: config.overrides,
  };
}
