import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../../runner/scenario.js';
import { UserScenarioError } from './user-scenario-error.js';
import { userScenarioSchema } from './user-scenario-schema.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/**
 * Imports a user's scenario module and checks what it exports: a `Scenario` (or an array of
 * them) as the default export, or as `export const scenario`. TypeScript is compiled on the fly
 * (tsx); JavaScript is imported as is.
 *
 * @throws UserScenarioError when the module throws while it loads, or exports no valid Scenario
 *   (naming the first field that is wrong).
 */
export async function loadScenarioModule(file: string, shown: string): Promise<Scenario[]> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(pathToFileURL(file).href, TYPESCRIPT.has(extname(file)));
  } catch (err) {
    throw new UserScenarioError(shown, `threw when loaded: ${firstLine(err)}${hintFor(file, err)}`, {
      cause: err,
    });
  }
  // tsx may wrap a TypeScript module's default export once more (CommonJS interop).
  let exported = mod.default ?? mod.scenario;
  if (exported && typeof exported === 'object' && 'default' in exported && !('run' in exported)) {
    exported = (exported as { default: unknown }).default;
  }
  if (exported === undefined) {
    throw new UserScenarioError(
      shown,
      'exports no scenario (export default a Scenario, or export const scenario)',
    );
  }
  const list = Array.isArray(exported) ? exported : [exported];
  return list.map((candidate, i) => {
    const parsed = userScenarioSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = [...(Array.isArray(exported) ? [`[${i}]`] : []), ...(issue?.path ?? []).map(String)].join(
        '.',
      );
      throw new UserScenarioError(
        shown,
        `not a valid Scenario: ${where || '(export)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    // The module's own object (its methods may use `this`), with the checked fields.
    return Object.assign(Object.create(candidate as object) as Scenario, {
      ...(candidate as object),
      category: parsed.data.category,
      needs: parsed.data.needs,
      source: file,
    }) as Scenario;
  });
}

/**
 * Imports a module. TypeScript goes through the runtime's own loader when it has one (under
 * `tsx`, as the tests run); otherwise tsx's loader hooks are registered once, process-wide, and
 * the module is imported again. Process-wide, not `tsImport`: a namespaced import would load a
 * second copy of `faultline` and its dependencies for the module (undici's classes refuse to mix
 * copies), where the module must share the running one.
 */
async function importModule(url: string, typescript: boolean): Promise<Record<string, unknown>> {
  if (!typescript) return (await import(url)) as Record<string, unknown>;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  }
  if (!tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  // A new URL: the loader remembers the failed attempt under the old one.
  return (await import(`${url}?typescript`)) as Record<string, unknown>;
}

let tsxRegistered = false;

/** A `.ts` file in a package without `"type": "module"` is CommonJS to Node and tsx. */
function hintFor(file: string, err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (extname(file) === '.ts' && /require\(\) ES Module|Cannot use import statement/.test(message)) {
    return ' (a .ts file is CommonJS unless package.json says "type": "module": name it .mts)';
  }
  return '';
}

function firstLine(err: unknown): string {
  const text =
    err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.split('\n')[0] ?? '';
}
