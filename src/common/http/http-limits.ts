import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { FaultlineError } from '../errors.js';
import { BodyTooLargeError } from './read-body.js';

/**
 * Limits of every HTTP listener we run (the gateway's traffic listener takes them from its
 * `limits` config key; control listeners use the defaults). Defaults follow the usual proxies:
 * Node's and HAProxy's 16 KiB of headers, Envoy's and Apache's 100 header fields, nginx's 8 KiB
 * request line, HAProxy's `timeout http-request 10s`.
 */
export const httpLimitsSchema = z
  .object({
    /**
     * Request line plus header fields, in bytes (llhttp counts both): past it, 431.
     * @default 16384
     */
    maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
    /** Header fields per request: past it, 431. @default 100 */
    maxHeaders: z.number().int().min(1).max(10_000).default(100),
    /** Request target (path and query), in bytes: past it, 414. Keep it under `maxHeaderBytes`. @default 8192 */
    maxUrlBytes: z.number().int().min(16).max(1_048_576).default(8_192),
    /**
     * Request body, in bytes: a larger Content-Length gets 413 at once; a chunked body is
     * counted as it streams and cut with 413 (the connection closed) when it passes. @default 10485760
     */
    maxBodyBytes: z.number().int().min(0).default(10_485_760),
    /** The whole request head must arrive within this, in ms, else 408 (slowloris). @default 10000 */
    headersTimeoutMs: z.number().int().min(1).default(10_000),
    /**
     * The whole request, head and body, must arrive within this, in ms, else 408 (a slow body).
     * At least `headersTimeoutMs`. @default 60000
     */
    requestTimeoutMs: z.number().int().min(1).default(60_000),
  })
  .strict()
  .refine((l) => l.requestTimeoutMs >= l.headersTimeoutMs, {
    error: 'requestTimeoutMs must be at least headersTimeoutMs',
    path: ['requestTimeoutMs'],
  })
  .refine((l) => l.maxUrlBytes < l.maxHeaderBytes, {
    error: 'maxUrlBytes must be less than maxHeaderBytes (the request line counts in the headers)',
    path: ['maxUrlBytes'],
  });

export type HttpLimits = z.infer<typeof httpLimitsSchema>;

/** The defaults, for listeners without a config of their own. */
export const defaultHttpLimits: HttpLimits = httpLimitsSchema.parse({});

/** Request head over `maxHeaderBytes` or `maxHeaders` (431). */
export class HeaderFieldsTooLargeError extends FaultlineError {
  constructor(detail: string) {
    super('FL_HTTP_HEADERS_TOO_LARGE', `request header fields too large: ${detail}`, { httpStatus: 431 });
  }
}

/** Request target over `maxUrlBytes` (414). */
export class UriTooLongError extends FaultlineError {
  constructor(limit: number) {
    super('FL_HTTP_URI_TOO_LONG', `request target over ${limit} bytes`, { httpStatus: 414 });
  }
}

/**
 * Framing that two parsers could read differently (request smuggling), or that RFC 9112 says to
 * refuse: 400, and the connection is closed.
 */
export class BadFramingError extends FaultlineError {
  constructor(detail: string) {
    super('FL_HTTP_BAD_FRAMING', `bad request: ${detail}`, { httpStatus: 400 });
  }
}

/** The request head or body did not arrive in time (408). */
export class RequestTimeoutError extends FaultlineError {
  constructor(detail: string) {
    super('FL_HTTP_REQUEST_TIMEOUT', `request timeout: ${detail}`, { httpStatus: 408 });
  }
}

/**
 * The checks llhttp does not make, on a parsed request head, without allocating on the
 * common path: target length (414), header count (431), Transfer-Encoding other than exactly
 * `chunked` or on HTTP/1.0 (400, RFC 9112 §6.1), no Host on HTTP/1.1 or more than one (400,
 * RFC 9112 §3.2),
 * Content-Length over the body limit (413). llhttp itself refuses CL with TE, duplicate or
 * invalid Content-Length, obs-fold, bare CR or LF, bad chunk sizes and a Transfer-Encoding whose
 * last coding is not `chunked` (Node's default strict parser; never `insecureHTTPParser`).
 * Returns the error to answer with, or undefined.
 */
export function checkRequestHead(req: IncomingMessage, limits: HttpLimits): FaultlineError | undefined {
  const url = req.url;
  if (url !== undefined && url.length > limits.maxUrlBytes) return new UriTooLongError(limits.maxUrlBytes);
  const raw = req.rawHeaders;
  if (raw.length > limits.maxHeaders * 2)
    return new HeaderFieldsTooLargeError(`more than ${limits.maxHeaders} fields`);
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1)
      return new BadFramingError('Transfer-Encoding in an HTTP/1.0 request');
    if (te !== 'chunked' && te.toLowerCase() !== 'chunked')
      return new BadFramingError('Transfer-Encoding other than "chunked"');
  }
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > limits.maxBodyBytes)
    return new BodyTooLargeError(limits.maxBodyBytes);
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (
      name.length === 4 &&
      (name === 'Host' || name === 'host' || name.toLowerCase() === 'host') &&
      ++hosts > 1
    )
      return new BadFramingError('more than one Host header');
  }
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor === 1)
    return new BadFramingError('no Host header in an HTTP/1.1 request');
  return undefined;
}
