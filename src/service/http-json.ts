import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFaultlineError } from '../common/errors.js';
import { parseJsonBody, readBody, sendJson } from '../common/http/index.js';
import { ServiceRequestError } from './service-errors.js';

/** Largest request body the service reads. */
const maxBodyBytes = 1024 * 1024;

/** Every error answer has the toxiproxy-compatible shape `{"error":…,"status":…}` plus a code. */
export function sendError(res: ServerResponse, err: unknown): void {
  const status = isFaultlineError(err) ? err.httpStatus : 500;
  const code = isFaultlineError(err) ? err.code : 'FL_SERVICE_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, status, { error: message, status, code });
}

/** The request's JSON body (`undefined` when empty): 413 over 1 MiB, 400 when not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, {
    maxBytes: maxBodyBytes,
    tooLarge: () => new ServiceRequestError('FL_SERVICE_BODY_TOO_LARGE', 'request body too large', 413),
  });
  try {
    return parseJsonBody(body);
  } catch {
    throw new ServiceRequestError('FL_SERVICE_BAD_JSON', 'bad request body: not JSON', 400);
  }
}

/** Reads an integer query parameter within [min, max]; a bad value is a 400 naming it. */
export function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ServiceRequestError(
      'FL_SERVICE_BAD_PARAM',
      `${name} must be an integer in [${min}, ${max}]`,
      400,
    );
  }
  return value;
}
