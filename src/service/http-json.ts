import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFaultlineError } from '../common/errors.js';
import { ServiceRequestError } from './service-errors.js';

/** Largest request body the service reads. */
const maxBodyBytes = 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
  });
  res.end(payload);
}

/** Every error answer has the toxiproxy-compatible shape `{"error":…,"status":…}` plus a code. */
export function sendError(res: ServerResponse, err: unknown): void {
  const status = isFaultlineError(err) ? err.httpStatus : 500;
  const code = isFaultlineError(err) ? err.code : 'FL_SERVICE_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, status, { error: message, status, code });
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes)
      throw new ServiceRequestError('FL_SERVICE_BODY_TOO_LARGE', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
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
