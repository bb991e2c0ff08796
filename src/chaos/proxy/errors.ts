import { FaultlineError } from '../../common/errors.js';

/**
 * Every failure the proxy API reports, in one table: stable code, HTTP status and the message
 * prefix, worded exactly as Toxiproxy words its sentinels (`api.go`) so clients that match on
 * them keep working. Entries after `toxicNotFound` are Faultline's own.
 */
export const proxyErrorTable = {
  badRequestBody: { code: 'FL_PROXY_BAD_REQUEST_BODY', status: 400, message: 'bad request body' },
  missingField: { code: 'FL_PROXY_MISSING_FIELD', status: 400, message: 'missing required field' },
  proxyNotFound: { code: 'FL_PROXY_NOT_FOUND', status: 404, message: 'proxy not found' },
  proxyAlreadyExists: { code: 'FL_PROXY_ALREADY_EXISTS', status: 409, message: 'proxy already exists' },
  invalidStream: {
    code: 'FL_PROXY_INVALID_STREAM',
    status: 400,
    message: 'stream was invalid, can be either upstream or downstream',
  },
  invalidToxicType: { code: 'FL_PROXY_INVALID_TOXIC_TYPE', status: 400, message: 'invalid toxic type' },
  toxicAlreadyExists: { code: 'FL_PROXY_TOXIC_ALREADY_EXISTS', status: 409, message: 'toxic already exists' },
  toxicNotFound: { code: 'FL_PROXY_TOXIC_NOT_FOUND', status: 404, message: 'toxic not found' },
  listenInUse: { code: 'FL_PROXY_LISTEN_IN_USE', status: 409, message: 'listen address already in use' },
  badAddress: { code: 'FL_PROXY_BAD_ADDRESS', status: 400, message: 'bad address' },
  leaseNotFound: { code: 'FL_PROXY_LEASE_NOT_FOUND', status: 404, message: 'lease not found' },
  notFound: { code: 'FL_PROXY_ROUTE_NOT_FOUND', status: 404, message: 'not found' },
  methodNotAllowed: { code: 'FL_PROXY_METHOD_NOT_ALLOWED', status: 405, message: 'method not allowed' },
  forbidden: { code: 'FL_PROXY_FORBIDDEN', status: 403, message: 'User agent not allowed' },
  bodyTooLarge: { code: 'FL_PROXY_BODY_TOO_LARGE', status: 413, message: 'request body too large' },
  unauthorized: { code: 'FL_PROXY_UNAUTHORIZED', status: 401, message: 'missing or wrong bearer token' },
} as const;

export type ProxyErrorKind = keyof typeof proxyErrorTable;

/** A proxy API failure: `kind` picks the table row, `detail` is appended as Toxiproxy's joinError does. */
export class ProxyApiError extends FaultlineError {
  readonly kind: ProxyErrorKind;
  /** What was appended to the table's message, if anything. */
  readonly detail: string | undefined;

  constructor(kind: ProxyErrorKind, detail?: string, options: { cause?: unknown } = {}) {
    const row = proxyErrorTable[kind];
    super(row.code, detail === undefined ? row.message : `${row.message}: ${detail}`, {
      httpStatus: row.status,
      exitCode: 2,
      cause: options.cause,
    });
    this.kind = kind;
    this.detail = detail;
  }
}

export function isProxyApiError(err: unknown, kind?: ProxyErrorKind): err is ProxyApiError {
  return err instanceof ProxyApiError && (kind === undefined || err.kind === kind);
}
