import { UsageError } from '../errors.js';
import { isLoopbackHost } from '../loopback.js';
import { BearerToken } from './bearer-token.js';

/** The environment variable every control listener reads its token from. */
export const TOKEN_ENV = 'FAULTLINE_TOKEN';

/** Shortest token accepted: 16 characters (a guessable token is no guard). */
export const MIN_TOKEN_LENGTH = 16;

/** A control listener asked to bind off loopback without a token: refused at start (exit 2). */
export class ControlTokenRequiredError extends UsageError {
  constructor(what: string, host: string, configKey?: string) {
    super(
      `refusing to serve ${what} on ${host} without a token: bind to 127.0.0.1, or set ${TOKEN_ENV}` +
        `${configKey ? ` (or ${configKey})` : ''} to a secret of at least ${MIN_TOKEN_LENGTH} characters`,
      { code: 'FL_HTTP_TOKEN_REQUIRED' },
    );
  }
}

/** A token shorter than MIN_TOKEN_LENGTH (exit 2). */
export class WeakTokenError extends UsageError {
  constructor(source: string) {
    super(`${source}: a token must have at least ${MIN_TOKEN_LENGTH} characters`, {
      code: 'FL_HTTP_WEAK_TOKEN',
    });
  }
}

export interface ControlAccessOptions {
  /** What listens, for the message: "the fault proxy API", "the gateway admin API". */
  what: string;
  /** The bind address. */
  host: string;
  /** A token from config or code; wins over the environment. */
  token?: string | undefined;
  /** Named in the refusal when the listener also reads the token from a config key. */
  configKey?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * The access rule of every control listener (fault proxy API, gateway admin and metrics):
 * - the token is `token` (a config key or option), else `FAULTLINE_TOKEN`;
 * - bound to loopback without a token: open, as Toxiproxy is;
 * - bound anywhere else without a token: ControlTokenRequiredError, so the process refuses to start;
 * - with a token, wherever bound: every request must carry it (BearerToken), else 401.
 * Returns the token to check requests against, or undefined for an open loopback listener.
 */
export function controlAccess(options: ControlAccessOptions): BearerToken | undefined {
  const env = options.env ?? process.env;
  const fromEnv = env[TOKEN_ENV];
  const token = options.token ?? (fromEnv === '' ? undefined : fromEnv);
  if (token === undefined) {
    if (isLoopbackHost(options.host)) return undefined;
    throw new ControlTokenRequiredError(
      options.what,
      options.host === '' ? '(all)' : options.host,
      options.configKey,
    );
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw new WeakTokenError(options.token !== undefined ? (options.configKey ?? 'token') : TOKEN_ENV);
  return new BearerToken(token);
}
