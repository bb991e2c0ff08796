import { FaultlineError } from '../../common/errors.js';

/** Which deadline expired. */
export type TimeoutScope = 'connect' | 'per-try' | 'overall';

/**
 * A deadline expired before the call settled. HTTP 504 (the upstream did not answer in time).
 * Subclasses (the gateway's per-try and overall timeouts) keep this class so that every policy
 * recognises a deadline the same way: a circuit breaker counts an abort by a deadline as the
 * callee's failure, not as the caller giving up.
 */
export class TimeoutError extends FaultlineError {
  readonly timeoutMs: number;
  readonly scope: TimeoutScope;

  constructor(
    timeoutMs: number,
    scope: TimeoutScope = 'per-try',
    /** For subclasses: their own code and message. */
    options: { code?: string; message?: string } = {},
  ) {
    super(
      options.code ?? 'FL_TIMEOUT',
      options.message ?? `${scope} timeout: no answer within ${Math.round(timeoutMs)} ms`,
      { httpStatus: 504 },
    );
    this.timeoutMs = timeoutMs;
    this.scope = scope;
  }
}

export function isTimeoutError(err: unknown): err is TimeoutError {
  return err instanceof TimeoutError;
}
