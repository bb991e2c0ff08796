import { FaultlineError } from '../common/errors.js';

/** A request the reference service refuses (bad JSON, unknown route, missing item, overloaded: 503). */
export class ServiceRequestError extends FaultlineError {
  constructor(code: string, message: string, httpStatus: number) {
    super(code, message, { httpStatus });
  }
}

/** The external dependency failed or did not answer in time. */
export class DependencyError extends FaultlineError {
  constructor(message: string, options: { timedOut: boolean; cause?: unknown }) {
    super(options.timedOut ? 'FL_SERVICE_DEPENDENCY_TIMEOUT' : 'FL_SERVICE_DEPENDENCY_FAILED', message, {
      httpStatus: options.timedOut ? 504 : 502,
      cause: options.cause,
    });
  }
}

/** The item store could not be reached at start-up. */
export class ItemStoreUnavailableError extends FaultlineError {
  constructor(kind: string, cause: unknown) {
    super(
      'FL_SERVICE_STORE_UNAVAILABLE',
      `item store ${kind} unavailable: ${(cause as Error)?.message ?? cause}`,
      {
        httpStatus: 503,
        cause,
      },
    );
  }
}
