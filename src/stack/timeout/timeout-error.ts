import { FaultlineError } from '../../common/errors.js';

/** Which deadline expired. */
export type TimeoutScope = 'connect' | 'per-try' | 'overall';

/** A deadline expired before the call settled. HTTP 504 (the upstream did not answer in time). */
export class TimeoutError extends FaultlineError {
  readonly timeoutMs: number;
  readonly scope: TimeoutScope;

  constructor(timeoutMs: number, scope: TimeoutScope = 'per-try') {
    super('FL_TIMEOUT', `${scope} timeout: no answer within ${Math.round(timeoutMs)} ms`, {
      httpStatus: 504,
    });
    this.timeoutMs = timeoutMs;
    this.scope = scope;
  }
}

export function isTimeoutError(err: unknown): err is TimeoutError {
  return err instanceof TimeoutError;
}
