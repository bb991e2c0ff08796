import { resolve } from 'node:path';
import { UsageError } from '../common/errors.js';
import { externalTarget } from './external/external-target.js';
import { loadExternalStackFile } from './external/load-external-target.js';
import { faultlineTarget } from './faultline-target.js';
import { haproxyTarget } from './haproxy-target.js';
import { nginxTarget } from './nginx-target.js';
import type { Target } from './target.js';
import { UnknownTargetError } from './target-errors.js';

/** Every built-in target by name: the one registry (`--target NAME`). */
export const TARGETS: Readonly<Record<string, Target>> = {
  faultline: faultlineTarget,
  haproxy: haproxyTarget,
  nginx: nginxTarget,
};

export const TARGET_NAMES = Object.keys(TARGETS);

/** The prefix of a user's stack described in a file: `external:FILE` (docs/targets.md). */
export const EXTERNAL_PREFIX = 'external:';

/** The default target: Faultline's own gateway. */
export const DEFAULT_TARGET: Target = faultlineTarget;

/**
 * The target a `--target` value names: a built-in name, or `external:FILE` (the file read and
 * validated now, relative to `baseDir`, default the working directory).
 *
 * @throws UnknownTargetError for an unknown name, UsageError FL_TARGET_FILE_MISSING for `external`
 *   without a file, ExternalTargetFileError for a bad file: all usage errors (exit 2).
 */
export function targetNamed(spec: string, baseDir: string = process.cwd()): Target {
  if (spec.startsWith(EXTERNAL_PREFIX)) {
    const file = spec.slice(EXTERNAL_PREFIX.length);
    if (file === '') throw externalWithoutFile();
    return externalTarget(loadExternalStackFile(resolve(baseDir, file), file));
  }
  if (spec === 'external') throw externalWithoutFile();
  const target = TARGETS[spec];
  if (!target) throw new UnknownTargetError(spec, TARGET_NAMES);
  return target;
}

function externalWithoutFile(): UsageError {
  return new UsageError(
    'target external needs the file describing your stack: external:FILE (see docs/targets.md)',
    {
      code: 'FL_TARGET_FILE_MISSING',
    },
  );
}
