import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath } from '../../chaos/experiment/experiment-file-error.js';
import { nodeAt } from '../../chaos/experiment/parse-experiment.js';
import { UsageError } from '../../common/errors.js';
import { DEFAULT_CONFIG_FILE, type FaultlineConfig, faultlineConfigSchema } from './config-schema.js';

/** A config file, read and validated. */
export interface LoadedConfigFile {
  /** Absolute path of the file. */
  path: string;
  /** Its directory: relative paths in the file (globs, log file) are relative to it. */
  dir: string;
  config: FaultlineConfig;
}

/**
 * Finds and reads the configuration: `--config FILE` when given (it must exist), else
 * `faultline.config.yaml` in `cwd` when present, else none.
 *
 * @throws UsageError FL_CONFIG_INVALID, one line naming the file, line, column and key path:
 *   `faultline.config.yaml:3:14: safety.timeout_s: expected number, received string`.
 */
export async function loadConfigFile(
  explicit: string | undefined,
  cwd: string = process.cwd(),
): Promise<LoadedConfigFile | undefined> {
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit === undefined && code === 'ENOENT') return undefined;
    throw new UsageError(`--config ${explicit ?? path}: cannot read the file (${code ?? String(err)})`, {
      code: 'FL_CONFIG_READ',
    });
  }
  const shown = relative(cwd, path) || path;
  return { path, dir: resolve(path, '..'), config: parseConfigText(text, shown) };
}

/** Validates config text (YAML, or JSON, which is YAML). `file` is only for messages. */
export function parseConfigText(text: string, file: string): FaultlineConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [yamlError] = doc.errors;
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw invalid(`${file}:${pos.line}:${pos.col}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  // An empty file is an empty configuration (every default).
  const data: unknown = doc.toJS() ?? {};
  const parsed = faultlineConfigSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  if (!first) throw invalid(`${file}: invalid configuration`);
  // An unknown key is named itself (`safety.timeout`), not its parent object.
  const issue =
    first.code === 'unrecognized_keys' && first.keys.length > 0
      ? {
          ...first,
          path: [...first.path, first.keys[0] as string],
          message: 'unknown key (see docs/configuration.md)',
        }
      : first;
  const node = nodeAt(doc.contents, issue.path);
  const where = node?.range
    ? `${file}:${lineCounter.linePos(node.range[0]).line}:${lineCounter.linePos(node.range[0]).col}`
    : file;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  return failWith(`${where}: ${pathText(issue.path)}: ${messageOf(issue)}${more}`);
}

function failWith(message: string): never {
  throw invalid(message);
}

function invalid(message: string): UsageError {
  return new UsageError(`config: ${message}`, { code: 'FL_CONFIG_INVALID' });
}

/** `overrides["network.service-isolation"].rate`: keys with dots are quoted so the path stays readable. */
function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(document)';
  if (path.some((k) => typeof k === 'string' && /[^\w-]/.test(k))) {
    return path
      .map((k, i) =>
        typeof k === 'number'
          ? `[${k}]`
          : /[^\w-]/.test(String(k))
            ? `."${String(k)}"`
            : `${i === 0 ? '' : '.'}${String(k)}`,
      )
      .join('');
  }
  return formatPath(path);
}

function messageOf(issue: { message: string }): string {
  return issue.message.replace(/^Invalid input: /, '');
}
