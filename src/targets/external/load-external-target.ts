import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath } from '../../chaos/experiment/experiment-file-error.js';
import { nodeAt } from '../../chaos/experiment/parse-experiment.js';
import { ExternalTargetFileError } from '../target-errors.js';
import { type ExternalTargetFile, externalTargetSchema } from './external-target-schema.js';
import { entryPlaceholderNames, INSTANCE_PLACEHOLDER_NAMES, unknownPlaceholders } from './placeholders.js';

/** An external target file, read, validated and with its templates loaded. */
export interface ExternalStackFile {
  /** Absolute path of the file. */
  readonly path: string;
  /** Its directory: commands run there, and relative paths in it are relative to it. */
  readonly dir: string;
  /** The target's name without `external:` (the file's `name`, else its base name). @example 'my-stack' */
  readonly name: string;
  readonly spec: ExternalTargetFile;
  /** `entry.templates`, read: each rendered into the scenario's temp dir as `to`. */
  readonly templates: readonly { readonly from: string; readonly to: string; readonly text: string }[];
}

/**
 * Reads and validates the target file at `path` (YAML, or JSON, which is YAML), synchronously:
 * it runs while the command line is resolved, before anything starts. Checks every
 * `${FAULTLINE_…}` placeholder it uses, and reads its templates.
 *
 * @param shown how messages name the file (e.g. as the user typed it). @default path
 * @throws ExternalTargetFileError (exit 2), one line:
 *   `target file my-stack.yaml:7:9: instances[1].address: expected host:port on loopback …`
 */
export function loadExternalStackFile(path: string, shown: string = path): ExternalStackFile {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ExternalTargetFileError(
      `${shown}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [yamlError] = doc.errors;
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new ExternalTargetFileError(
      `${shown}:${pos.line}:${pos.col}: not valid YAML: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const fail = (path: readonly PropertyKey[], message: string): never => {
    const node = nodeAt(doc.contents, path);
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    const where = pos ? `${shown}:${pos.line}:${pos.col}` : shown;
    throw new ExternalTargetFileError(
      `${where}: ${path.length === 0 ? '(document)' : formatPath(path)}: ${message}`,
    );
  };

  const parsed = externalTargetSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (!first) return fail([], 'invalid target file');
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    if (first.code === 'unrecognized_keys' && first.keys.length > 0)
      return fail([...first.path, first.keys[0] as string], `unknown key (see docs/targets.md)${more}`);
    return fail(first.path, `${first.message.replace(/^Invalid input: /, '')}${more}`);
  }
  const spec = parsed.data;
  const dir = dirname(absolute);

  const entryNames = entryPlaceholderNames(spec.instances.length);
  const check = (value: string, at: readonly PropertyKey[], known: readonly string[], whose: string) => {
    const [unknown] = unknownPlaceholders(value, known);
    if (unknown)
      fail(
        at,
        `unknown placeholder \${${unknown}}; ${whose} may use ${known.map((k) => `\${${k}}`).join(', ')}`,
      );
  };
  for (const [i, arg] of (spec.entry.command ?? []).entries())
    check(arg, ['entry', 'command', i], entryNames, 'the entry');
  for (const [k, v] of Object.entries(spec.entry.env ?? {}))
    check(v, ['entry', 'env', k], entryNames, 'the entry');
  for (const [n, instance] of spec.instances.entries()) {
    for (const [i, arg] of (instance.command ?? []).entries())
      check(arg, ['instances', n, 'command', i], INSTANCE_PLACEHOLDER_NAMES, 'an instance');
    for (const [k, v] of Object.entries(instance.env ?? {}))
      check(v, ['instances', n, 'env', k], INSTANCE_PLACEHOLDER_NAMES, 'an instance');
  }
  const templates = (spec.entry.templates ?? []).map(({ from, to }, i) => {
    let text = '';
    try {
      text = readFileSync(resolve(dir, from), 'utf8');
    } catch (err) {
      fail(
        ['entry', 'templates', i, 'from'],
        `cannot read ${from} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    const [unknown] = unknownPlaceholders(text, entryNames);
    if (unknown)
      fail(
        ['entry', 'templates', i, 'from'],
        `${from} uses unknown placeholder \${${unknown}}; known: ${entryNames.map((k) => `\${${k}}`).join(', ')}`,
      );
    return { from, to, text };
  });

  const name = spec.name ?? basename(absolute, extname(absolute));
  return { path: absolute, dir, name, spec, templates };
}
