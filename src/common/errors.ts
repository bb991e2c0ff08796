/**
 * The one base class for every error Faultline raises on purpose. `code` is stable and
 * machine-readable (callers switch on it, never on `message`); `httpStatus` says how an
 * HTTP API should answer it, and `exitCode` how the CLI should exit.
 */
export class FaultlineError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    options: { httpStatus?: number; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options.httpStatus ?? 500;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input from a user: a flag, a config file, a request body. CLI exit 2, HTTP 400. */
export class UsageError extends FaultlineError {
  constructor(message: string, options: { cause?: unknown; code?: string; httpStatus?: number } = {}) {
    super(options.code ?? 'FL_USAGE', message, {
      httpStatus: options.httpStatus ?? 400,
      exitCode: 2,
      cause: options.cause,
    });
  }
}

export function isFaultlineError(err: unknown): err is FaultlineError {
  return err instanceof FaultlineError;
}
