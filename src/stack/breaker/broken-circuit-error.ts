import { FaultlineError } from '../../common/errors.js';

/**
 * Thrown at once, without calling the upstream, while a circuit is open (or half-open with all
 * its probes in flight). HTTP 503; `retryAfterMs` says when the circuit will let a probe through.
 */
export class BrokenCircuitError extends FaultlineError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, message = 'circuit is open: failing fast') {
    super('FL_BROKEN_CIRCUIT', message, { httpStatus: 503 });
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }

  /** Whole seconds for a Retry-After header (at least 1). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

export function isBrokenCircuitError(err: unknown): err is BrokenCircuitError {
  return err instanceof BrokenCircuitError;
}

/**
 * A BrokenCircuitError without a stack trace, for the fail-fast path. Its stack would only point
 * into the breaker, and capturing it is most of the cost of failing fast (bench/breaker: several
 * microseconds per call on a busy core), which is exactly when callers hammer it.
 */
export function brokenCircuitFast(retryAfterMs: number, message?: string): BrokenCircuitError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new BrokenCircuitError(retryAfterMs, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
