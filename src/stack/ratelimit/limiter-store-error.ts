import { FaultlineError } from '../../common/errors.js';

/** A store could not decide: Redis unreachable, erroring, or slower than the limiter's timeout. */
export class LimiterStoreError extends FaultlineError {
  constructor(message: string, cause?: unknown) {
    super('FL_RATELIMIT_STORE', message, { httpStatus: 503, cause });
  }
}

export function isLimiterStoreError(err: unknown): err is LimiterStoreError {
  return err instanceof LimiterStoreError;
}
