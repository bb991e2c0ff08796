import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ExperimentIssue, ExperimentValidationError, formatPath } from './experiment-file-error.js';
import { type Experiment, type ExperimentInput, experimentSchema } from './experiment-schema.js';

/**
 * Validates an experiment written in TypeScript (defaults filled in). Throws
 * ExperimentValidationError naming `source` (default `experiment`), the path and what was expected.
 */
export function defineExperiment(input: ExperimentInput, source = 'experiment'): Experiment {
  const parsed = experimentSchema.safeParse(input);
  if (!parsed.success) throw new ExperimentValidationError(source, flatten(parsed.error.issues).map(toIssue));
  return parsed.data;
}

/** Reads and validates a `.yaml`, `.yml` or `.json` experiment file. */
export async function loadExperimentFile(file: string): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ExperimentValidationError(file, [
      { path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` },
    ]);
  }
  return parseExperimentText(text, file);
}

/**
 * Validates experiment text. JSON is a subset of YAML, so one parser serves both and gives line
 * numbers for every issue; `.json` files must also be strict JSON.
 */
export function parseExperimentText(text: string, file: string): Experiment {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ExperimentValidationError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: '',
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
          line: pos.line,
          column: pos.col,
        };
      }),
    );
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new ExperimentValidationError(file, [
        { path: '', message: `not valid JSON: ${(err as Error).message}` },
      ]);
    }
  }
  let data: unknown;
  try {
    // Bounded: an alias "billion laughs" past yaml's maxAliasCount (100) throws here.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ExperimentValidationError(file, [
      { path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` },
    ]);
  }
  const parsed = experimentSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ExperimentValidationError(
    file,
    flatten(parsed.error.issues).map((issue) => {
      const base = toIssue(issue);
      const node = nodeAt(doc.contents, issue.path);
      if (node?.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { ...base, line: pos.line, column: pos.col };
      }
      return base;
    }),
  );
}

type ZodIssue = z.core.$ZodIssue;

/**
 * Replaces "matched no branch of the union" with the issues of the branch that got furthest
 * (deepest path), so `{type: rang}` reports the bad `type`, not "invalid input".
 */
function flatten(issues: readonly ZodIssue[]): ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const branches = issue.errors.map((b) => flatten(b));
    const depth = (b: ZodIssue[]) => Math.max(0, ...b.map((i) => i.path.length));
    const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (depth(best) === 0) {
      const missing = branches.some((b) =>
        b.some((i) => i.code === 'invalid_type' && /received undefined$/.test(i.message)),
      );
      return [missing ? ({ ...issue, message: 'required' } as ZodIssue) : issue];
    }
    return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as ZodIssue);
  });
}

function toIssue(issue: ZodIssue): ExperimentIssue {
  let message = issue.message
    .replace(/^Invalid input: /, '')
    .replace(/^Invalid discriminator value\. Expected /, 'expected one of ');
  if (issue.code === 'invalid_type' && /received undefined$/.test(message)) {
    message = `required: expected ${issue.expected}`;
  } else if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return { path: formatPath(issue.path), message };
}

/** The deepest YAML node on `path` (so a missing key points at its parent); the config file uses it too. */
export function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) {
      next = node.items.find((pair) => {
        const k = pair.key as { value?: unknown } | null;
        return k !== null && String(k.value) === String(key);
      })?.value;
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
    }
    if (next === undefined || next === null) return node;
    node = next as Node;
  }
  return node;
}
