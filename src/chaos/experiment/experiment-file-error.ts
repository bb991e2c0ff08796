import { UsageError } from '../../common/errors.js';

export interface ExperimentIssue {
  /** Where in the document, e.g. `method[0].fault.kind` (empty for the whole document). */
  path: string;
  /** What was expected. */
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
}

/**
 * An experiment file (or object) that does not validate. The message has one line per issue:
 * `FILE:LINE:COL: PATH: what was expected`. CLI exit 2.
 */
export class ExperimentValidationError extends UsageError {
  readonly file: string;
  readonly issues: readonly ExperimentIssue[];

  constructor(file: string, issues: readonly ExperimentIssue[]) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'), { code: 'FL_EXPERIMENT_INVALID' });
    this.file = file;
    this.issues = issues;
  }
}

export function formatIssue(file: string, issue: ExperimentIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`;
}

/** `['method', 0, 'fault']` → `method[0].fault` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
