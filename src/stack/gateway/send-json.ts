import type { ServerResponse } from 'node:http';
import { isFaultlineError } from '../../common/errors.js';
import { sendJson as sendKitJson } from '../../common/http/index.js';

/** Writes one JSON response; the one place the gateway and its admin API serialize bodies. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  sendKitJson(res, status, body, { ...headers, 'content-type': 'application/json; charset=utf-8' });
}

/**
 * An error as the gateway answers it: `{"error", "code", "status", "request_id"}`, with
 * Retry-After when the error carries `retryAfterSeconds` (sheds, open breakers, draining).
 */
export function sendGatewayError(res: ServerResponse, err: unknown, requestId: string): number {
  const status = isFaultlineError(err) ? err.httpStatus : 500;
  const code = isFaultlineError(err) ? err.code : 'FL_GW_INTERNAL';
  const message = isFaultlineError(err) ? err.message : 'internal gateway error';
  const retryAfter = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  const headers: Record<string, string | number> = { 'x-request-id': requestId };
  if (typeof retryAfter === 'number') headers['retry-after'] = Math.max(0, Math.ceil(retryAfter));
  // Errors may carry response headers of their own (a rate-limit refusal's RateLimit headers).
  const extra = (err as { headers?: unknown } | null)?.headers;
  if (typeof extra === 'object' && extra !== null) Object.assign(headers, extra);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  sendJson(res, status, { error: message, code, status, request_id: requestId }, headers);
  return status;
}
