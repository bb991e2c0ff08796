import type { Scenario } from '../../runner/scenario.js';
import { resolveParams } from '../../runner/scenario-params.js';
import { loadUserScenarios } from '../../suite/user/load-user-scenarios.js';
import { loadConfigFile } from '../config/load-config-file.js';
import {
  checkCategories,
  type RunConfig,
  type RunFlags,
  resolveRunConfig,
  selectScenarios,
} from './run-config.js';

/** What `faultline run` has decided before anything runs. */
export interface PreparedRun {
  config: RunConfig;
  /** Built-in and user scenarios, built-in first. */
  all: Scenario[];
  selected: Scenario[];
  /** Effective parameters by scenario id (defaults + the config file's overrides). */
  params: Map<string, Record<string, number>>;
}

/**
 * The configuration file (`--config`, else ./faultline.config.yaml), flags and environment
 * merged; the user's scenarios loaded (`scenarios:` globs, `--scenarios DIR`); `--category` and
 * the `overrides` checked against what exists; the selection made. Every problem is a one-line
 * UsageError (exit 2), raised before any scenario starts.
 */
export async function prepareRun(
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
  builtin: readonly Scenario[] | (() => Promise<readonly Scenario[]>),
  cwd: string = process.cwd(),
): Promise<PreparedRun> {
  const file = await loadConfigFile(flags.config, cwd);
  const config = resolveRunConfig(flags, env, file);
  const registry = typeof builtin === 'function' ? await builtin() : builtin;
  const user = await loadUserScenarios(config.scenarioGlobs, registry, cwd);
  const all = [...registry, ...user];
  checkCategories(config.categories, all);
  const params = resolveParams(all, config.overrides);
  return { config, all, selected: selectScenarios(all, config), params };
}
