import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ExperimentValidationError } from '../../chaos/experiment/experiment-file-error.js';
import type { Experiment } from '../../chaos/experiment/experiment-schema.js';
import { parseExperimentText } from '../../chaos/experiment/parse-experiment.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import { type Scenario, userCategorySchema } from '../../runner/scenario.js';
import { UserScenarioError } from './user-scenario-error.js';

/** The category of an experiment file that names none. */
export const DEFAULT_USER_CATEGORY = 'custom';

/**
 * A YAML or JSON experiment file (docs/experiments.md) as a scenario of the suite. Its `category`
 * (default `custom`, a user category) selects it with `--category`; its id is
 * `<category>.<file name without extension>`; its `title`, `description`, `tags` and
 * `max_duration_ms` are the scenario's. It runs through `runExperiment` with the scenario's
 * seed, safety controller, signal and logger, so time limits, Ctrl+C and emergency stops revert
 * its faults as for any scenario.
 *
 * @throws UserScenarioError (one line: the file, the first issue and how many more) when the
 *   file cannot be read or does not validate.
 */
export async function loadExperimentScenario(file: string, shown: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserScenarioError(
      shown,
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let experiment: Experiment;
  try {
    experiment = parseExperimentText(text, shown);
  } catch (err) {
    if (!(err instanceof ExperimentValidationError)) throw err;
    const first = err.issues[0];
    const where = first?.line === undefined ? shown : `${shown}:${first.line}:${first.column ?? 1}`;
    const more =
      err.issues.length > 1
        ? ` (and ${err.issues.length - 1} more: faultline experiment validate ${shown})`
        : '';
    throw new UserScenarioError(
      where,
      `invalid experiment: ${first?.path || '(document)'}: ${first?.message ?? 'invalid'}${more}`,
    );
  }
  const category = userCategorySchema.safeParse(experiment.category ?? DEFAULT_USER_CATEGORY);
  if (!category.success) {
    throw new UserScenarioError(shown, `category: ${category.error.issues[0]?.message ?? 'invalid'}`);
  }
  const slug = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-');
  return {
    id: `${category.data}.${slug}`,
    category: category.data,
    name: slug.replace(/[.-]+/g, '_'),
    title: experiment.title,
    description: experiment.description ?? experiment.title,
    needs: [],
    ...(experiment.max_duration_ms === undefined ? {} : { timeoutMs: experiment.max_duration_ms }),
    tags: experiment.tags,
    source: file,
    run: (ctx) =>
      runExperiment(experiment, {
        seed: ctx.seed,
        safety: ctx.safety,
        signal: ctx.signal,
        logger: ctx.logger,
      }),
  };
}
