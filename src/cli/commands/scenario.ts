import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../../common/errors.js';
import { userCategorySchema } from '../../runner/scenario.js';
import {
  moduleTemplate,
  moduleTestTemplate,
  type TemplateNames,
} from '../scenario-template/module-template.js';
import type { CommandRegistrar } from './command-registrar.js';

/** Options of `faultline scenario new`. */
export interface ScenarioNewOptions {
  /** Folder to write into, created if missing. @default scenarios */
  dir: string;
  /** The scenario's category, built-in or your own (snake_case). @default custom */
  category: string;
}

const HELP = `
Writes DIR/NAME.mts (a commented, working scenario: a stand-in service behind the fault proxy,
latency under load, a hypothesis on status and p99) and DIR/NAME.test.mjs (runs it through
\`faultline run\` with node:test). Edit the module into your own scenario; docs/extending.md
walks through it. Existing files are never overwritten.

Examples:
  faultline scenario new card-declines --category payments
  faultline run --scenarios scenarios --category payments --html report.html
  node --test scenarios/
`;

/** `faultline scenario new NAME`: writes a scenario module template and its test. */
export const scenarioCommand: CommandRegistrar = (program, setExitCode) => {
  const scenario = program.command('scenario').description('Work with your own scenarios');
  scenario
    .command('new')
    .description('Write a commented scenario template and its test')
    .argument('<name>', 'kebab-case name, e.g. card-declines', parseSlug)
    .addOption(new Option('--dir <dir>', 'folder to write into').default('scenarios'))
    .addOption(
      new Option('--category <name>', 'its category: built-in or your own (snake_case)')
        .default('custom')
        .argParser(parseCategoryName),
    )
    .addHelpText('after', HELP)
    .action(async (slug: string, options: ScenarioNewOptions) => {
      const written = await writeScenarioTemplate(slug, options);
      for (const file of written) process.stdout.write(`wrote ${relative(process.cwd(), file) || file}\n`);
      process.stdout.write(
        `run it: faultline run --scenarios ${options.dir} --category ${options.category}\n`,
      );
      setExitCode(0);
    });
};

/**
 * Writes `<dir>/<slug>.mts` and `<dir>/<slug>.test.mjs`; returns their absolute paths.
 * @throws UsageError FL_SCENARIO_EXISTS when either file exists (nothing is written).
 */
export async function writeScenarioTemplate(
  slug: string,
  options: ScenarioNewOptions,
  cwd: string = process.cwd(),
): Promise<string[]> {
  const dir = resolve(cwd, options.dir);
  const names: TemplateNames = {
    slug,
    name: slug.replace(/-/g, '_'),
    category: options.category,
    id: `${options.category}.${slug}`,
  };
  // .mts: an ES module whatever the project's package.json `type` says.
  const moduleFile = join(dir, `${slug}.mts`);
  const testFile = join(dir, `${slug}.test.mjs`);
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    [moduleFile, moduleTemplate(names)],
    [testFile, moduleTestTemplate(names, relative(cwd, testFile) || testFile)],
  ];
  for (const [file] of files) {
    if (await exists(file)) {
      throw new UsageError(`${relative(cwd, file) || file} exists; not overwriting it`, {
        code: 'FL_SCENARIO_EXISTS',
      });
    }
  }
  const written: string[] = [];
  for (const [file, text] of files) {
    try {
      await writeFile(file, text, { flag: 'wx' });
      written.push(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`${relative(cwd, file) || file} exists; not overwriting it`, {
          code: 'FL_SCENARIO_EXISTS',
        });
      }
      throw new UsageError(`cannot write ${file}: ${(err as Error).message}`, { code: 'FL_SCENARIO_WRITE' });
    }
  }
  return written;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function parseSlug(value: string): string {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(value)) {
    throw new InvalidArgumentError('expected a kebab-case name, e.g. card-declines.');
  }
  return value;
}

function parseCategoryName(value: string): string {
  const parsed = userCategorySchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return value;
}
