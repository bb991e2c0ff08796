import { extname, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import type { Scenario } from '../../runner/scenario.js';
import { loadExperimentScenario } from './experiment-scenario.js';
import { loadScenarioModule } from './scenario-module.js';
import { UserScenarioError } from './user-scenario-error.js';

/** Where to look: a glob relative to `base` (itself relative to the working directory); `from` names the origin in messages. */
export interface ScenarioGlob {
  base: string;
  pattern: string;
  from: string;
}

const EXPERIMENT_FILES = new Set(['.yaml', '.yml', '.json']);
const MODULE_FILES = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/**
 * Loads the user's own scenarios (docs/extending.md): every file the globs match, in path order,
 * `.yaml`/`.yml`/`.json` as experiment files and `.ts`/`.mts`/`.js`/`.mjs` as modules exporting
 * a Scenario. Test files (`*.test.*`, `*.spec.*`), `node_modules`, `.d.ts` files and a project's
 * `package.json` / `tsconfig*.json` are ignored.
 *
 * @param builtin the registry's scenarios: a user scenario may not reuse one of their ids.
 * @throws UserScenarioError (exit 2, one line) at the first file that fails, or when a glob of
 *   `--scenarios DIR` matches nothing, or when two scenarios share an id.
 */
export async function loadUserScenarios(
  globs: readonly ScenarioGlob[],
  builtin: readonly Scenario[],
  cwd: string = process.cwd(),
): Promise<Scenario[]> {
  const files: { file: string; from: string }[] = [];
  for (const g of globs) {
    const base = resolve(cwd, g.base);
    const found = await glob(g.pattern, {
      cwd: base,
      absolute: true,
      onlyFiles: true,
      ignore: [
        '**/node_modules/**',
        '**/*.test.*',
        '**/*.spec.*',
        '**/*.d.ts',
        '**/*.d.mts',
        // A project's own JSON files are not experiments.
        '**/package.json',
        '**/package-lock.json',
        '**/tsconfig*.json',
      ],
    });
    const usable = found.filter((f) => EXPERIMENT_FILES.has(extname(f)) || MODULE_FILES.has(extname(f)));
    if (usable.length === 0) {
      throw new UserScenarioError(g.from, `matches no scenario file (${g.pattern} in ${base})`);
    }
    for (const file of usable.sort())
      if (!files.some((f) => f.file === file)) files.push({ file, from: g.from });
  }

  const ids = new Map(builtin.map((s) => [s.id, 'a built-in scenario']));
  const out: Scenario[] = [];
  for (const { file } of files) {
    const shown = relative(cwd, file) || file;
    const loaded = EXPERIMENT_FILES.has(extname(file))
      ? [await loadExperimentScenario(file, shown)]
      : await loadScenarioModule(file, shown);
    for (const scenario of loaded) {
      const taken = ids.get(scenario.id);
      if (taken) throw new UserScenarioError(shown, `scenario id ${scenario.id} is already used by ${taken}`);
      ids.set(scenario.id, relative(cwd, file) || file);
      out.push(scenario);
    }
  }
  return out;
}
