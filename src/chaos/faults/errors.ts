import { FaultlineError, UsageError } from '../../common/errors.js';

/** A fault spec that does not make sense (CLI exit 2, HTTP 400). */
export class FaultConfigError extends UsageError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'FL_FAULT_CONFIG', cause: options.cause });
  }
}

/** The fault names a process, proxy or pid that is not there. */
export class FaultTargetError extends FaultlineError {
  constructor(message: string) {
    super('FL_FAULT_TARGET', message, { httpStatus: 404, exitCode: 2 });
  }
}

/**
 * The fault would act outside what the experiment owns (Redis keys outside its database or
 * prefix), so it refuses rather than risk real data.
 */
export class FaultRefusedError extends FaultlineError {
  constructor(message: string) {
    super('FL_FAULT_REFUSED', message, { httpStatus: 403, exitCode: 2 });
  }
}

/** This machine cannot do it (no cgroup v1 hierarchy, not root). */
export class FaultUnsupportedError extends FaultlineError {
  constructor(message: string) {
    super('FL_FAULT_UNSUPPORTED', message, { httpStatus: 501, exitCode: 2 });
  }
}

/** A Toxiproxy-compatible API answered with an error. `status` is the HTTP status. */
export class ToxiproxyApiError extends FaultlineError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('FL_TOXIPROXY_API', message, { httpStatus: 502 });
  }
}
