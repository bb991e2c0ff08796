import { z } from 'zod';

/**
 * `faultline.config.yaml`: the suite's configuration file (the seed's "Test Configuration":
 * safety timeouts and limits, mock service configurations, monitoring and logging settings, test
 * isolation parameters), plus the default targets, the user's own scenarios and per-scenario
 * overrides. Every key is optional; a flag wins over its environment variable, which wins over
 * the file, which wins over the default (docs/configuration.md). Unknown keys are errors.
 *
 * This schema is the reference: docs/configuration.md is written from it, and
 * test/cli/config/config-docs.test.ts checks that every key is documented there.
 */

const seconds = z.number().positive();

/** Safety limits and the stop conditions of the run. */
export const safetyConfigSchema = z.strictObject({
  /** Time limit of the whole run, in seconds (`--timeout`). @default 600 */
  timeout_s: seconds.optional(),
  /** Time limit of one scenario, in seconds (`--max-duration`, `CHAOS_MAX_DURATION`). @default 300 */
  max_duration_s: seconds.optional(),
  /**
   * Time limit of everything one safety controller runs, in seconds (`CHAOS_MAX_RUN_DURATION`);
   * a backstop behind `timeout_s`. @default timeout_s + 60
   */
  max_run_duration_s: seconds.optional(),
  /** Stop condition: after this many failed scenarios no new one starts (`--max-failures`). @default 5 */
  max_failures: z.number().int().positive().optional(),
  /** How long an emergency stop (Ctrl+C, a stop condition) waits for every revert, in ms. @default 1000 */
  emergency_budget_ms: z.number().int().positive().optional(),
});

/** Mocks of the services outside the system under test. */
export const mocksConfigSchema = z.strictObject({
  /**
   * Replace external services by local mocks (`--no-mock-external`, `CHAOS_MOCK_EXTERNAL`). `false`
   * here is a written decision and counts as confirmed; a warning is printed. @default true
   */
  external: z.boolean().optional(),
});

/** Monitoring of the targets and the run's logs. */
export const monitoringConfigSchema = z.strictObject({
  /** Sample CPU, memory and event-loop lag of the targets (`--no-monitoring`, `CHAOS_MONITORING`). @default true */
  enabled: z.boolean().optional(),
  /** JSON-lines log file, debug level (`--log-file`, `CHAOS_LOG_FILE`); relative to the config file. */
  log_file: z.string().min(1).optional(),
  /** Debug logs (JSON lines) on stderr too (`--verbose`). @default false */
  verbose: z.boolean().optional(),
});

/** How scenarios are kept apart. */
export const isolationConfigSchema = z.strictObject({
  /**
   * Own ports, Redis key prefix and temp dir per scenario; loopback-only URLs (`--no-isolation`,
   * `CHAOS_ISOLATED`). `false` here counts as confirmed; a warning is printed. @default true
   */
  enabled: z.boolean().optional(),
  /** Run scenarios concurrently, each isolated (`--parallel`). @default false */
  parallel: z.boolean().optional(),
  /** At most this many scenarios at once with `parallel`. @default one per CPU core */
  concurrency: z.number().int().positive().optional(),
  /** Test Redis (`--redis-url`, `REDIS_URL`). @default redis://127.0.0.1:6379/15 */
  redis_url: z.string().min(1).optional(),
  /** Test database (`--database-url`, `DATABASE_URL`). @default postgresql://postgres@127.0.0.1:5432/test */
  database_url: z.string().min(1).optional(),
});

/** One scenario's overrides: parameter name → value, in the parameter's unit. */
export const scenarioOverridesSchema = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number());

export const faultlineConfigSchema = z.strictObject({
  safety: safetyConfigSchema.optional(),
  mocks: mocksConfigSchema.optional(),
  monitoring: monitoringConfigSchema.optional(),
  isolation: isolationConfigSchema.optional(),
  /**
   * The systems under test the scenarios run against: `faultline`, `haproxy`, `nginx`, or
   * `external:FILE` (your own stack described in FILE, relative to this file; docs/targets.md).
   * `--target` and FAULTLINE_TARGETS win. @default ["faultline"]
   * @example ["faultline", "external:stacks/shop.yaml"]
   */
  targets: z.array(z.string().min(1)).min(1).optional(),
  /**
   * The user's own scenarios: globs relative to the config file, matching `.yaml`/`.yml`/`.json`
   * experiment files and `.ts`/`.mts`/`.js`/`.mjs` modules exporting a Scenario
   * (docs/extending.md). `--scenarios DIR` adds a directory. @default []
   * @example ["chaos/**\/*.scenario.ts", "chaos/*.yaml"]
   */
  scenarios: z.array(z.string().min(1)).optional(),
  /**
   * Per-scenario overrides of the parameters a scenario declares (load rate, phase lengths,
   * bounds), by scenario id. `faultline run --dry-run` lists each scenario's parameters.
   * @example { "network.service-isolation": { rate: 60, fault_ms: 6000 } }
   */
  overrides: z.record(z.string().min(1), scenarioOverridesSchema).optional(),
});
export type FaultlineConfig = z.infer<typeof faultlineConfigSchema>;

/** The file `faultline run` reads from the working directory when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'faultline.config.yaml';
