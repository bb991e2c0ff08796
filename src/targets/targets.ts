import { faultlineTarget } from './faultline-target.js';
import { haproxyTarget } from './haproxy-target.js';
import { nginxTarget } from './nginx-target.js';
import type { Target } from './target.js';
import { UnknownTargetError } from './target-errors.js';

/** Every target by name: the one registry (`--target NAME`). */
export const TARGETS: Readonly<Record<string, Target>> = {
  faultline: faultlineTarget,
  haproxy: haproxyTarget,
  nginx: nginxTarget,
};

export const TARGET_NAMES = Object.keys(TARGETS);

/** The default target: Faultline's own gateway. */
export const DEFAULT_TARGET: Target = faultlineTarget;

/** The target named `name`; an UnknownTargetError (a usage error, exit 2) otherwise. */
export function targetNamed(name: string): Target {
  const target = TARGETS[name];
  if (!target) throw new UnknownTargetError(name, TARGET_NAMES);
  return target;
}
