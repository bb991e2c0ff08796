import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import { CATEGORIES, type Category, type Scenario, type ScenarioEnv } from '../../runner/scenario.js';
import { TARGET_NAMES, targetNamed } from '../../targets/targets.js';

/** Defaults of the seed's environment variables when they are unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/15';
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * The flags of `faultline run`, as commander parses them. Each flag wins over its environment
 * variable; `undefined` means "not given on the command line".
 */
export const runFlagsSchema = z.object({
  /** Categories to run (repeatable); all when none. */
  category: z.array(z.enum(CATEGORIES)).optional(),
  /** Targets to run on (repeatable, docs/targets.md): faultline, haproxy, nginx. @default ['faultline'] */
  target: z.array(z.string()).optional(),
  /** Whole-run time limit in seconds. @default 600 */
  timeout: z.number().positive().default(600),
  /** After this many failed or errored scenarios the rest are `not_run`. @default 5 */
  maxFailures: z.number().int().positive().default(5),
  /** Run scenarios concurrently, at most one per CPU core. @default false */
  parallel: z.boolean().default(false),
  /** Also run each passed scenario's negative controls and expect them to fail. @default false */
  controls: z.boolean().default(false),
  /** `false` from --no-mock-external. */
  mockExternal: z.boolean().optional(),
  /** `false` from --no-isolation. */
  isolation: z.boolean().optional(),
  /** `false` from --no-monitoring. */
  monitoring: z.boolean().optional(),
  /** Confirms dangerous options. @default false */
  yes: z.boolean().default(false),
  report: z.string().optional(),
  html: z.string().optional(),
  junit: z.string().optional(),
  dryRun: z.boolean().default(false),
  verbose: z.boolean().default(false),
  seed: z.number().int().nonnegative().optional(),
  list: z.boolean().default(false),
  filter: z.string().optional(),
  /** Per-scenario time limit in seconds (CHAOS_MAX_DURATION). */
  maxDuration: z.number().positive().optional(),
  redisUrl: z.string().optional(),
  databaseUrl: z.string().optional(),
  logFile: z.string().optional(),
});
export type RunFlags = z.input<typeof runFlagsSchema>;

/** Everything `faultline run` acts on, flags and environment merged. */
export interface RunConfig {
  categories: Category[];
  /** The systems under test, in order (--target, FAULTLINE_TARGETS). @default ['faultline'] */
  targets: string[];
  timeoutMs: number;
  maxFailures: number;
  parallel: boolean;
  concurrency: number;
  /** --controls: run the negative controls too. */
  controls: boolean;
  mockExternal: boolean;
  isolated: boolean;
  monitoring: boolean;
  yes: boolean;
  reportFile?: string;
  htmlFile?: string;
  junitFile?: string;
  dryRun: boolean;
  verbose: boolean;
  seed?: number;
  list: boolean;
  filter?: string;
  maxDurationMs?: number;
  redisUrl: string;
  databaseUrl: string;
  logFile?: string;
  environment?: string;
  /** Messages about dangerous settings, printed before the run. */
  warnings: string[];
}

/** What every scenario of a run is told about its environment (the CLI and vitest alike). */
export function scenarioEnvOf(config: RunConfig): ScenarioEnv {
  return {
    redisUrl: config.redisUrl,
    databaseUrl: config.databaseUrl,
    mockExternal: config.mockExternal,
    isolated: config.isolated,
    monitoring: config.monitoring,
  };
}

/** Parses "true/false/1/0/yes/no/on/off"; undefined when unset; a usage error otherwise. */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new UsageError(`${name} must be true or false (got '${env[name]}')`, { code: 'FL_RUN_ENV' });
}

/** Merges flags over environment variables, and refuses dangerous settings that are not confirmed. */
export function resolveRunConfig(flags: RunFlags, env: NodeJS.ProcessEnv): RunConfig {
  const parsed = runFlagsSchema.safeParse(flags);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? '')}: ${issue?.message}`, { code: 'FL_RUN_FLAGS' });
  }
  const f = parsed.data;
  const warnings: string[] = [];

  const envMock = envFlag(env, 'CHAOS_MOCK_EXTERNAL');
  const envIsolated = envFlag(env, 'CHAOS_ISOLATED');
  const envMonitoring = envFlag(env, 'CHAOS_MONITORING');
  const mockExternal = f.mockExternal ?? envMock ?? true;
  const isolated = f.isolation ?? envIsolated ?? true;

  // A dangerous flag must be confirmed: --yes, or the matching variable set to false as well.
  if (f.mockExternal === false && !f.yes && envMock !== false) {
    throw new UsageError(
      '--no-mock-external lets scenarios reach real external services; confirm with --yes or CHAOS_MOCK_EXTERNAL=false',
      { code: 'FL_RUN_UNCONFIRMED' },
    );
  }
  if (f.isolation === false && !f.yes && envIsolated !== false) {
    throw new UsageError(
      '--no-isolation shares ports, Redis keys and temp dirs between scenarios and allows non-loopback DATABASE_URL/REDIS_URL; confirm with --yes or CHAOS_ISOLATED=false',
      { code: 'FL_RUN_UNCONFIRMED' },
    );
  }
  if (!mockExternal)
    warnings.push('external services are NOT mocked: scenarios may reach real external services');
  if (!isolated) {
    warnings.push('isolation is OFF: scenarios share ports, Redis keys and temp dirs; --parallel is ignored');
  }

  const maxDurationEnv = env.CHAOS_MAX_DURATION?.trim();
  let maxDurationMs = f.maxDuration === undefined ? undefined : f.maxDuration * 1000;
  if (maxDurationMs === undefined && maxDurationEnv) {
    const seconds = Number(maxDurationEnv);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError(
        `CHAOS_MAX_DURATION must be a positive number of seconds (got '${maxDurationEnv}')`,
        {
          code: 'FL_RUN_ENV',
        },
      );
    }
    maxDurationMs = seconds * 1000;
  }

  if (f.filter !== undefined) compileFilter(f.filter);
  const targets = resolveTargets(f.target, env);
  const parallel = f.parallel && isolated;
  const environment = env.ENVIRONMENT?.trim() || undefined;
  return {
    categories: f.category ?? [],
    targets,
    timeoutMs: f.timeout * 1000,
    maxFailures: f.maxFailures,
    parallel,
    concurrency: parallel ? availableParallelism() : 1,
    controls: f.controls,
    mockExternal,
    isolated,
    monitoring: f.monitoring ?? envMonitoring ?? true,
    yes: f.yes,
    ...(f.report === undefined ? {} : { reportFile: f.report }),
    ...(f.html === undefined ? {} : { htmlFile: f.html }),
    ...(f.junit === undefined ? {} : { junitFile: f.junit }),
    dryRun: f.dryRun,
    verbose: f.verbose,
    ...(f.seed === undefined ? {} : { seed: f.seed }),
    list: f.list,
    ...(f.filter === undefined ? {} : { filter: f.filter }),
    ...(maxDurationMs === undefined ? {} : { maxDurationMs }),
    redisUrl: f.redisUrl ?? (env.REDIS_URL?.trim() || DEFAULT_REDIS_URL),
    databaseUrl: f.databaseUrl ?? (env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL),
    ...((f.logFile ?? env.CHAOS_LOG_FILE?.trim())
      ? { logFile: f.logFile ?? env.CHAOS_LOG_FILE?.trim() }
      : {}),
    ...(environment === undefined ? {} : { environment }),
    warnings,
  };
}

/**
 * The targets: --target (repeatable) wins over FAULTLINE_TARGETS (comma-separated), default
 * `faultline`; duplicates dropped, order kept. An unknown name is a usage error (exit 2).
 */
export function resolveTargets(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = env.FAULTLINE_TARGETS?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const names = flags && flags.length > 0 ? flags : fromEnv && fromEnv.length > 0 ? fromEnv : ['faultline'];
  for (const name of names) targetNamed(name);
  return [...new Set(names)];
}

/** `/regex/flags` is a regular expression; anything else a case-insensitive substring. */
export function compileFilter(pattern: string): (s: Scenario) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1] as string, regex[2]);
    } catch (err) {
      throw new UsageError(`--filter: invalid regular expression ${pattern} (${(err as Error).message})`, {
        code: 'FL_RUN_FLAGS',
      });
    }
    return (s) => re.test(s.id) || re.test(s.name);
  }
  const needle = pattern.toLowerCase();
  return (s) => s.id.toLowerCase().includes(needle) || s.name.toLowerCase().includes(needle);
}

/** The scenarios a config selects, in registry order. */
export function selectScenarios(scenarios: readonly Scenario[], config: RunConfig): Scenario[] {
  const filter = config.filter === undefined ? () => true : compileFilter(config.filter);
  return scenarios.filter(
    (s) => (config.categories.length === 0 || config.categories.includes(s.category)) && filter(s),
  );
}

// Commander argument parsers: they throw InvalidArgumentError, which commander prints as one line.

export function parseCategory(value: string, previous: Category[] | undefined): Category[] {
  const parsed = z.enum(CATEGORIES).safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`unknown category; valid: ${CATEGORIES.join(', ')}.`);
  return [...(previous ?? []), parsed.data];
}

export function parseTarget(value: string, previous: string[] | undefined): string[] {
  if (!TARGET_NAMES.includes(value))
    throw new InvalidArgumentError(`unknown target; valid: ${TARGET_NAMES.join(', ')}.`);
  return [...(previous ?? []), value];
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number.');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 0xffffffff) {
    throw new InvalidArgumentError('expected an integer from 0 to 4294967295.');
  }
  return n;
}
