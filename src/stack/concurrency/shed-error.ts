import { FaultlineError } from '../../common/errors.js';

/** Why a request was shed. */
export type ShedReason = 'queue-full' | 'queue-timeout';

/**
 * The request was refused to protect the upstream (or this process): answer 503 at once with
 * `Retry-After: retryAfterSeconds` rather than queueing forever.
 */
export class ShedError extends FaultlineError {
  readonly reason: ShedReason;
  readonly retryAfterSeconds: number;

  constructor(reason: ShedReason, retryAfterSeconds: number) {
    super(
      'FL_SHED',
      reason === 'queue-full'
        ? 'overloaded: concurrency limit and queue are full'
        : 'overloaded: timed out in queue',
      { httpStatus: 503 },
    );
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isShedError(err: unknown): err is ShedError {
  return err instanceof ShedError;
}
