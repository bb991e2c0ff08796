import { FaultlineError, UsageError } from '../common/errors.js';

/** A target could not be started, configured or inspected. */
export class TargetError extends FaultlineError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'FL_TARGET', message, options.cause === undefined ? {} : { cause: options.cause });
  }
}

/** `--target NAME` (or FAULTLINE_TARGETS) names no known target: CLI exit 2. */
export class UnknownTargetError extends UsageError {
  constructor(name: string, known: readonly string[]) {
    super(`unknown target "${name}"; valid: ${known.join(', ')}, external:FILE`, {
      code: 'FL_TARGET_UNKNOWN',
    });
  }
}

/** A scenario asked a target for something it does not have (e.g. the gateway's admin state). */
export class TargetCapabilityError extends FaultlineError {
  constructor(target: string, capability: string) {
    super('FL_TARGET_CAPABILITY', `target ${target} has no ${capability}`);
  }
}

/**
 * The file of `--target external:FILE` cannot be read or does not validate: CLI exit 2. The
 * message is one line naming the file and, when known, the line, column and key:
 * `target file my-stack.yaml:4:10: entry.url: expected an http:// URL on loopback, …`.
 */
export class ExternalTargetFileError extends UsageError {
  constructor(message: string) {
    super(`target file ${message}`, { code: 'FL_TARGET_FILE' });
  }
}
