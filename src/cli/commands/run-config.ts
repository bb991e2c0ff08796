import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import { redactUrl } from '../../common/text.js';
import { CATEGORIES, categorySchema, type Scenario, type ScenarioEnv } from '../../runner/scenario.js';
import type { ParamOverrides } from '../../runner/scenario-params.js';
import type { ScenarioGlob } from '../../suite/user/load-user-scenarios.js';
import { EXTERNAL_PREFIX, TARGET_NAMES, targetNamed } from '../../targets/targets.js';
import { type ConfigEntry, layered } from '../config/config-layers.js';
import type { LoadedConfigFile } from '../config/load-config-file.js';

/** Defaults of the seed's environment variables when they are unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/15';
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * The flags of `faultline run`, as commander parses them. Each flag wins over its environment
 * variable, which wins over the config file; `undefined` means "not given on the command line".
 */
export const runFlagsSchema = z.object({
  /** Categories to run (repeatable); all when none. Built-in or of a loaded user scenario. */
  category: z.array(z.string()).optional(),
  /** Targets to run on (repeatable, docs/targets.md): faultline, haproxy, nginx, external:FILE. @default ['faultline'] */
  target: z.array(z.string()).optional(),
  /** Whole-run time limit in seconds. @default 600 */
  timeout: z.number().positive().optional(),
  /** After this many failed or errored scenarios the rest are `not_run`. @default 5 */
  maxFailures: z.number().int().positive().optional(),
  /** Run scenarios concurrently, at most one per CPU core. @default false */
  parallel: z.boolean().optional(),
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
  verbose: z.boolean().optional(),
  seed: z.number().int().nonnegative().optional(),
  list: z.boolean().default(false),
  filter: z.string().optional(),
  /** Per-scenario time limit in seconds (CHAOS_MAX_DURATION). */
  maxDuration: z.number().positive().optional(),
  redisUrl: z.string().optional(),
  databaseUrl: z.string().optional(),
  logFile: z.string().optional(),
  /** The config file (default: faultline.config.yaml in the working directory, if present). */
  config: z.string().optional(),
  /** Directories of the user's own scenarios (repeatable), added to the file's `scenarios` globs. */
  scenarios: z.array(z.string()).optional(),
});
export type RunFlags = z.input<typeof runFlagsSchema>;

/** Everything `faultline run` acts on: flags, environment and config file merged. */
export interface RunConfig {
  categories: string[];
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
  /** Limit of everything the run's safety controller runs (ms). */
  maxRunMs: number;
  /** How long an emergency stop waits for every revert (ms). */
  emergencyBudgetMs: number;
  redisUrl: string;
  databaseUrl: string;
  logFile?: string;
  environment?: string;
  /** The systems under test, by target name or `external:FILE` with FILE absolute (the config's `targets`). */
  targets: string[];
  /** Where the user's own scenarios are: globs under a base folder (the config file's, or a --scenarios DIR). */
  scenarioGlobs: ScenarioGlob[];
  /** The config file's per-scenario parameter overrides, by scenario id. */
  overrides: ParamOverrides;
  /** The config file read, if any (absolute path). */
  configFile?: string;
  /** Every effective setting with its origin, for --dry-run. */
  provenance: ConfigEntry[];
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

/** A positive number of seconds from `name`, in ms; undefined when unset; a usage error otherwise. */
function envSecondsMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${name} must be a positive number of seconds (got '${raw}')`, {
      code: 'FL_RUN_ENV',
    });
  }
  return seconds * 1000;
}

const envText = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name]?.trim() || undefined;
const ms = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
const showSeconds = (v: number | undefined): string => (v === undefined ? '-' : `${v / 1000} s`);

/**
 * Merges flags over environment variables over the config file over the defaults, and refuses
 * dangerous settings that are not confirmed.
 */
export function resolveRunConfig(
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
  file?: LoadedConfigFile,
): RunConfig {
  const parsed = runFlagsSchema.safeParse(flags);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? '')}: ${issue?.message}`, { code: 'FL_RUN_FLAGS' });
  }
  const f = parsed.data;
  const c = file?.config ?? {};
  const inFile = (path: string | undefined) => (path === undefined || !file ? path : resolve(file.dir, path));
  const warnings: string[] = [];
  const entries: ConfigEntry[] = [];

  const envMock = envFlag(env, 'CHAOS_MOCK_EXTERNAL');
  const envIsolated = envFlag(env, 'CHAOS_ISOLATED');

  // A dangerous flag must be confirmed: --yes, or the matching variable set to false as well. A
  // `false` written in the config file is a decision already, like the variable.
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

  const timeoutMs = layered(
    entries,
    'safety.timeout_s',
    { flag: { name: '--timeout', value: ms(f.timeout) }, file: ms(c.safety?.timeout_s), default: 600_000 },
    showSeconds,
  );
  const maxDurationMs = layered<number | undefined>(
    entries,
    'safety.max_duration_s',
    {
      flag: { name: '--max-duration', value: ms(f.maxDuration) },
      env: { name: 'CHAOS_MAX_DURATION', value: envSecondsMs(env, 'CHAOS_MAX_DURATION') },
      file: ms(c.safety?.max_duration_s),
      default: undefined,
    },
    (v) => (v === undefined ? '300 s' : showSeconds(v)),
  );
  const maxRunMs = layered(
    entries,
    'safety.max_run_duration_s',
    {
      env: { name: 'CHAOS_MAX_RUN_DURATION', value: envSecondsMs(env, 'CHAOS_MAX_RUN_DURATION') },
      file: ms(c.safety?.max_run_duration_s),
      // The run's own --timeout ends it gracefully; the controller's run limit is a backstop.
      default: timeoutMs + 60_000,
    },
    showSeconds,
  );
  const maxFailures = layered(entries, 'safety.max_failures', {
    flag: { name: '--max-failures', value: f.maxFailures },
    file: c.safety?.max_failures,
    default: 5,
  });
  const emergencyBudgetMs = layered(
    entries,
    'safety.emergency_budget_ms',
    { file: c.safety?.emergency_budget_ms, default: 1000 },
    (v) => `${v} ms`,
  );
  const mockExternal = layered(entries, 'mocks.external', {
    flag: { name: '--no-mock-external', value: f.mockExternal },
    env: { name: 'CHAOS_MOCK_EXTERNAL', value: envMock },
    file: c.mocks?.external,
    default: true,
  });
  const monitoring = layered(entries, 'monitoring.enabled', {
    flag: { name: '--no-monitoring', value: f.monitoring },
    env: { name: 'CHAOS_MONITORING', value: envFlag(env, 'CHAOS_MONITORING') },
    file: c.monitoring?.enabled,
    default: true,
  });
  const logFile = layered<string | undefined>(
    entries,
    'monitoring.log_file',
    {
      flag: { name: '--log-file', value: f.logFile },
      env: { name: 'CHAOS_LOG_FILE', value: envText(env, 'CHAOS_LOG_FILE') },
      file: inFile(c.monitoring?.log_file),
      default: undefined,
    },
    (v) => v ?? '-',
  );
  const verbose = layered(entries, 'monitoring.verbose', {
    flag: { name: '--verbose', value: f.verbose },
    file: c.monitoring?.verbose,
    default: false,
  });
  const isolated = layered(entries, 'isolation.enabled', {
    flag: { name: '--no-isolation', value: f.isolation },
    env: { name: 'CHAOS_ISOLATED', value: envIsolated },
    file: c.isolation?.enabled,
    default: true,
  });
  const parallelAsked = layered(entries, 'isolation.parallel', {
    flag: { name: '--parallel', value: f.parallel },
    file: c.isolation?.parallel,
    default: false,
  });
  const parallel = parallelAsked && isolated;
  const concurrency = parallel
    ? layered(entries, 'isolation.concurrency', {
        file: c.isolation?.concurrency,
        default: availableParallelism(),
      })
    : layered(entries, 'isolation.concurrency', { default: 1 });
  const redisUrl = layered(
    entries,
    'isolation.redis_url',
    {
      flag: { name: '--redis-url', value: f.redisUrl },
      env: { name: 'REDIS_URL', value: envText(env, 'REDIS_URL') },
      file: c.isolation?.redis_url,
      default: DEFAULT_REDIS_URL,
    },
    redactUrl,
  );
  const databaseUrl = layered(
    entries,
    'isolation.database_url',
    {
      flag: { name: '--database-url', value: f.databaseUrl },
      env: { name: 'DATABASE_URL', value: envText(env, 'DATABASE_URL') },
      file: c.isolation?.database_url,
      default: DEFAULT_DATABASE_URL,
    },
    redactUrl,
  );
  const envTargets = targetList(env.FAULTLINE_TARGETS);
  // An `external:FILE` is relative to the config file when it comes from there, else to the
  // working directory; it is kept absolute from here on.
  const targets = checkTargets(
    layered(entries, 'targets', {
      flag: { name: '--target', value: f.target?.length ? f.target : undefined },
      env: { name: 'FAULTLINE_TARGETS', value: envTargets.length ? envTargets : undefined },
      file: c.targets,
      default: ['faultline'],
    }),
    f.target?.length || envTargets.length ? '.' : (file?.dir ?? '.'),
  );
  const scenarioGlobs = [
    ...(c.scenarios ?? []).map((pattern) => ({
      base: file?.dir ?? '.',
      pattern,
      from: `${file?.path ?? 'config'}: scenarios`,
    })),
    ...(f.scenarios ?? []).map((dir) => ({
      base: dir,
      pattern: SCENARIO_FILE_GLOB,
      from: `--scenarios ${dir}`,
    })),
  ];
  entries.push({
    key: 'scenarios',
    value:
      scenarioGlobs.length === 0
        ? '[]'
        : `[${scenarioGlobs.map((g) => (g.from.startsWith('--') ? g.from : g.pattern)).join(', ')}]`,
    source: f.scenarios?.length ? 'flag' : c.scenarios ? 'file' : 'default',
    ...(f.scenarios?.length ? { via: '--scenarios' } : {}),
  });

  if (!mockExternal)
    warnings.push('external services are NOT mocked: scenarios may reach real external services');
  if (!isolated) {
    warnings.push('isolation is OFF: scenarios share ports, Redis keys and temp dirs; --parallel is ignored');
  }

  if (f.filter !== undefined) compileFilter(f.filter);
  const environment = env.ENVIRONMENT?.trim() || undefined;
  return {
    categories: f.category ?? [],
    timeoutMs,
    maxFailures,
    parallel,
    concurrency,
    controls: f.controls,
    mockExternal,
    isolated,
    monitoring,
    yes: f.yes,
    ...(f.report === undefined ? {} : { reportFile: f.report }),
    ...(f.html === undefined ? {} : { htmlFile: f.html }),
    ...(f.junit === undefined ? {} : { junitFile: f.junit }),
    dryRun: f.dryRun,
    verbose,
    ...(f.seed === undefined ? {} : { seed: f.seed }),
    list: f.list,
    ...(f.filter === undefined ? {} : { filter: f.filter }),
    ...(maxDurationMs === undefined ? {} : { maxDurationMs }),
    maxRunMs,
    emergencyBudgetMs,
    redisUrl,
    databaseUrl,
    ...(logFile ? { logFile } : {}),
    ...(environment === undefined ? {} : { environment }),
    targets,
    scenarioGlobs,
    overrides: c.overrides ?? {},
    ...(file ? { configFile: file.path } : {}),
    provenance: entries,
    warnings,
  };
}

/**
 * The targets without a config file: --target (repeatable) wins over FAULTLINE_TARGETS
 * (comma-separated), default `faultline`; duplicates dropped, order kept. An unknown name is a
 * usage error (exit 2). `resolveRunConfig` layers the config file's `targets` under both.
 */
export function resolveTargets(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = targetList(env.FAULTLINE_TARGETS);
  return checkTargets(flags && flags.length > 0 ? flags : fromEnv.length > 0 ? fromEnv : ['faultline'], '.');
}

/** FAULTLINE_TARGETS split on commas, blanks dropped. */
function targetList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/**
 * Every name checked, and every `external:FILE` read and validated relative to `base` (unknown
 * name, bad file → UsageError, exit 2; messages name the file as written); FILE made absolute,
 * duplicates dropped, order kept. Two specs naming targets of the same name (two files with the
 * same `name`) are a usage error: the reports tell targets apart by name.
 */
function checkTargets(specs: readonly string[], base: string): string[] {
  const byName = new Map<string, string>();
  const absolute = specs.map((spec) => {
    const { name } = targetNamed(spec, resolve(base));
    const file = spec.startsWith(EXTERNAL_PREFIX) ? spec.slice(EXTERNAL_PREFIX.length) : undefined;
    return { name, spec: file === undefined ? spec : `${EXTERNAL_PREFIX}${resolve(base, file)}` };
  });
  const unique = [...new Map(absolute.map((t) => [t.spec, t])).values()];
  for (const { name, spec } of unique) {
    const other = byName.get(name);
    if (other !== undefined)
      throw new UsageError(
        `targets ${other} and ${spec} are both named ${name}; give one file another name (its name key)`,
        {
          code: 'FL_TARGET_DUPLICATE',
        },
      );
    byName.set(name, spec);
  }
  return unique.map((t) => t.spec);
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

/** What `--scenarios DIR` loads from DIR: experiment files and scenario modules, at any depth. */
export const SCENARIO_FILE_GLOB = '**/*.{yaml,yml,json,ts,mts,js,mjs}';

/** The scenarios a config selects, in registry order. */
export function selectScenarios(scenarios: readonly Scenario[], config: RunConfig): Scenario[] {
  const filter = config.filter === undefined ? () => true : compileFilter(config.filter);
  return scenarios.filter(
    (s) => (config.categories.length === 0 || config.categories.includes(s.category)) && filter(s),
  );
}

// Commander argument parsers: they throw InvalidArgumentError, which commander prints as one line.

/**
 * `--category NAME`: a built-in category or one spelled like a user category (snake_case). Whether
 * a user category exists is known only once the user's scenarios are loaded (`checkCategories`).
 */
export function parseCategory(value: string, previous: string[] | undefined): string[] {
  if (!categorySchema.safeParse(value).success) {
    throw new InvalidArgumentError(
      `unknown category; valid: ${CATEGORIES.join(', ')}, or a category of your own scenarios.`,
    );
  }
  return [...(previous ?? []), value];
}

/**
 * Checks `--category` against the categories that exist: the built-in ten and those of the
 * loaded scenarios. @throws UsageError FL_RUN_CATEGORY naming the valid ones.
 */
export function checkCategories(categories: readonly string[], scenarios: readonly Scenario[]): void {
  const known = [...new Set<string>([...CATEGORIES, ...scenarios.map((s) => s.category)])];
  for (const category of categories) {
    if (!known.includes(category)) {
      throw new UsageError(`--category ${category}: unknown category; valid: ${known.join(', ')}`, {
        code: 'FL_RUN_CATEGORY',
      });
    }
  }
}

/** `--scenarios DIR`, repeatable. */
export function collectDirs(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--target NAME`: a built-in name or `external:FILE` (the file is read once the config is resolved). */
export function parseTarget(value: string, previous: string[] | undefined): string[] {
  if (value === 'external' || value === EXTERNAL_PREFIX)
    throw new InvalidArgumentError('external needs the file describing your stack: external:FILE.');
  if (!TARGET_NAMES.includes(value) && !value.startsWith(EXTERNAL_PREFIX))
    throw new InvalidArgumentError(`unknown target; valid: ${TARGET_NAMES.join(', ')}, external:FILE.`);
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
