import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** RFC 9110 §7.6.1 hop-by-hop headers, plus `expect` (Node answers 100-continue itself). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Headers minus hop-by-hop ones, including any the Connection header names. On every request
 * twice (both directions): no Set unless a Connection header names something, and `for…in`
 * rather than `Object.entries` (no array of pairs per call).
 */
function endToEnd(headers: HeaderBag, drop?: ReadonlySet<string>): Record<string, string | string[]> {
  const named = headers.connection;
  let listed: Set<string> | undefined;
  if (named !== undefined) {
    listed = new Set<string>();
    for (const v of Array.isArray(named) ? named : [named]) {
      for (const token of v.split(',')) listed.add(token.trim().toLowerCase());
    }
  }
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHop.has(name) || listed?.has(name) || drop?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The headers sent upstream: end-to-end ones minus `drop` (a cached route's unkeyed headers),
 * the request id, X-Forwarded-For/-Proto.
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  requestId: string,
  drop?: ReadonlySet<string>,
): Record<string, string | string[]> {
  const headers = endToEnd(req.headers as IncomingHttpHeaders, drop);
  headers['x-request-id'] = requestId;
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior
    ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}`
    : client;
  if (!headers['x-forwarded-proto']) headers['x-forwarded-proto'] = 'http';
  return headers;
}

/** The upstream's response headers as sent to the client. */
export function downstreamResponseHeaders(
  headers: HeaderBag,
  requestId: string,
): Record<string, string | string[]> {
  const out = endToEnd(headers);
  out['x-request-id'] = requestId;
  return out;
}
