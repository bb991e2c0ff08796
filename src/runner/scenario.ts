import type { Logger } from 'pino';
import { z } from 'zod';
import type { Journal } from '../chaos/experiment/journal.js';
import type { SafetyController } from '../chaos/safety/safety-controller.js';
import type { SeededRandom } from '../common/rng.js';
import type { Capability } from '../targets/capability.js';
import type { Target } from '../targets/target.js';
import type { ScenarioControl } from './control.js';
import type { Need } from './needs.js';
import type { ScenarioParams } from './scenario-param.js';

/** The seed's ten categories, spelled as on its command line. */
export const CATEGORIES = [
  'network',
  'service',
  'resource',
  'database',
  'cache',
  'rate_limit',
  'websocket',
  'region',
  'latency',
  'comprehensive',
] as const;
/** One of the seed's ten categories. */
export const builtinCategorySchema = z.enum(CATEGORIES);
export type BuiltinCategory = z.infer<typeof builtinCategorySchema>;

/**
 * A category of the user's own (docs/extending.md): snake_case, 2 to 32 characters, e.g.
 * `payments`. Branded, so a typo in a built-in scenario (`category: 'latnecy'`) is still a type
 * error: a user category only comes out of this schema (the loader of user scenarios parses it).
 */
export const userCategorySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,31}$/, 'a category is snake_case, 2 to 32 characters (e.g. payments)')
  .brand<'UserCategory'>();
export type UserCategory = z.infer<typeof userCategorySchema>;

/** A built-in category, or a user's own (validated by `userCategorySchema`). */
export const categorySchema = z.union([builtinCategorySchema, userCategorySchema]);
export type Category = BuiltinCategory | UserCategory;

/** Where a running scenario is, for the live progress view. */
export type Phase = 'setup' | 'steady_state' | 'inject' | 'observe' | 'recover' | 'teardown';

/** The environment a scenario runs against, resolved from flags and env vars by the runner. */
export interface ScenarioEnv {
  /** REDIS_URL, e.g. `redis://127.0.0.1:6379/15`. */
  readonly redisUrl: string;
  /** DATABASE_URL, e.g. `postgresql://postgres@127.0.0.1:5432/test`. */
  readonly databaseUrl: string;
  /** CHAOS_MOCK_EXTERNAL: external services are replaced by local mocks. */
  readonly mockExternal: boolean;
  /** CHAOS_ISOLATED: own ports, Redis key prefix and temp dir per scenario. */
  readonly isolated: boolean;
  /** CHAOS_MONITORING: sample CPU, RSS and event-loop lag of the targets. */
  readonly monitoring: boolean;
}

/**
 * What the runner hands a scenario. Everything a scenario creates (processes, ports, keys,
 * files) hangs off this context, so the runner can clean up after it on success, failure,
 * timeout and Ctrl+C alike.
 */
export interface ScenarioContext {
  readonly scenarioId: string;
  /** This scenario's seed (forked from the run's seed by the scenario id). */
  readonly seed: number;
  readonly rng: SeededRandom;
  /** Aborted on the scenario's time limit, the run's --timeout, or Ctrl+C. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly env: ScenarioEnv;
  /** Redis isolation: the database from REDIS_URL and a key prefix owned by this scenario. */
  readonly redis: { readonly url: string; readonly db: number; readonly prefix: string };
  /** A fresh directory, removed after the scenario. */
  readonly tmpDir: string;
  /** How long this scenario may take in all (ms); `signal` aborts when it is spent. */
  readonly timeLimitMs: number;
  /** Epoch ms at which `signal` aborts. */
  readonly deadline: number;
  /**
   * The effective values of the scenario's `params` (its defaults, with the config file's
   * `overrides` applied). Read them with `paramValues(scenario.params, ctx)`, which falls back to
   * the defaults when a context has none (a hand-made context in a test).
   */
  readonly params?: Readonly<Record<string, number>>;
  /**
   * The run's safety controller: register everything injected or spawned with it (the engine
   * does), so Ctrl+C and time limits revert it. Shared by every scenario of the run.
   */
  readonly safety: SafetyController;
  /** A free TCP port on 127.0.0.1 that no other scenario of this run has been given. */
  freePort(): Promise<number>;
  /** Report progress to the terminal view. The engine's phase hook should be wired here. */
  setPhase(phase: Phase): void;
  /** Run on cleanup, last registered first, whatever the outcome. */
  onCleanup(fn: () => unknown): void;
  /**
   * The negative control this run is (one claimed capability switched off), or undefined for
   * the scenario itself. The reference-stack harness applies its change; scenarios need not look.
   */
  readonly control?: ScenarioControl;
  /**
   * The system under test (`--target`): the reference-stack harness starts it in front of the
   * instances. Faultline's gateway unless the run selects others.
   */
  readonly target: Target;
  /** Record the settings of the scenario's config the target could not express (for the report). */
  noteUnsupported(settings: readonly string[]): void;
}

/**
 * One chaos scenario. `run` returns the engine's journal; the runner derives the verdict:
 * passed iff the journal is `completed` and not `deviated`.
 */
export interface Scenario {
  /** Stable unique id, `<category>.<slug>`, e.g. `service.random-crashes`. */
  readonly id: string;
  readonly category: Category;
  /** Short snake_case name, shown by `jq '.results[].name'`, e.g. `random_crashes`. */
  readonly name: string;
  /** One-line human title. */
  readonly title: string;
  readonly description: string;
  /** What must be present for it to run; a missing need makes it `skipped`, never `passed`. */
  readonly needs: readonly Need[];
  /**
   * What its claims need from the system under test (src/targets/capability.ts): on a target
   * lacking one it is `skipped` with the target's reason, never `passed`. Absent: it does not
   * run on targets at all (its harness starts Faultline's own stack): `['embedded_stack']`.
   * `[]`: it runs on any target.
   */
  readonly capabilities?: readonly Capability[];
  /** Its own time limit (ms); capped by CHAOS_MAX_DURATION and what is left of --timeout. */
  readonly timeoutMs?: number;
  /** Weight in the resilience score (default 1). */
  readonly weight?: number;
  readonly tags?: readonly string[];
  /**
   * Negative controls: one per claim of the description, each removing the capability the claim
   * relies on. `faultline run --controls` runs them and expects each to fail.
   */
  readonly controls?: readonly ScenarioControl[];
  /**
   * The numbers a user may override per scenario in the config file (`overrides.<id>.<param>`):
   * load rate, phase lengths, bounds of the hypothesis. Each has a default, a unit and limits;
   * the scenario reads the effective values from its context (`paramValues`). See
   * src/runner/scenario-params.ts and docs/configuration.md.
   */
  readonly params?: ScenarioParams;
  /** Where a user scenario was loaded from (its file); absent for the built-in ones. */
  readonly source?: string;
  run(ctx: ScenarioContext): Promise<Journal>;
}

export const SCENARIO_STATUSES = ['passed', 'failed', 'skipped', 'error', 'not_run'] as const;
export type ScenarioStatus = (typeof SCENARIO_STATUSES)[number];
