import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TrustedProxies } from './trusted-proxies.js';

/**
 * RFC 9110 §7.6.1 hop-by-hop headers, plus `expect` (Node answers 100-continue itself). Every
 * other `proxy-*` header is dropped too (`isHopByHop`). `upgrade` is dropped on this path: a
 * WebSocket upgrade never reaches it (the server's 'upgrade' event takes it to the WebSocket gateway).
 */
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

/** A Connection value that lists no header beyond the hop-by-hop ones dropped anyway. */
const plainConnection = /^(?:keep-alive|close)$/i;

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Headers minus hop-by-hop ones, including any the Connection header names. On every request
 * twice (both directions): no Set unless a Connection header names something beyond
 * `keep-alive`/`close`, and `for…in`
 * rather than `Object.entries` (no array of pairs per call).
 */
function endToEnd(headers: HeaderBag, drop?: ReadonlySet<string>): Record<string, string | string[]> {
  const named = headers.connection;
  let listed: Set<string> | undefined;
  // `keep-alive` and `close` (nearly every request) name nothing else to drop: no Set, no split.
  if (named !== undefined && !(typeof named === 'string' && plainConnection.test(named))) {
    listed = new Set<string>();
    for (const v of Array.isArray(named) ? named : [named]) {
      for (const token of v.split(',')) listed.add(token.trim().toLowerCase());
    }
  }
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || listed?.has(name) || drop?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function isHopByHop(name: string): boolean {
  // 112 = 'p': one char compare before the prefix test, on every header.
  return hopByHop.has(name) || (name.charCodeAt(0) === 112 && name.startsWith('proxy-'));
}

/**
 * The headers sent upstream: end-to-end ones minus `drop` (a cached route's unkeyed headers),
 * the request id, and X-Forwarded-For/-Proto/-Host. From a trusted proxy the client's values are
 * kept (X-Forwarded-For extended with the peer); from anyone else they are replaced with what the
 * connection says (peer address, `http`, the Host header) and a `Forwarded` header is dropped, so
 * a client cannot claim another address or scheme to the upstream.
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  requestId: string,
  drop?: ReadonlySet<string>,
  trusted?: TrustedProxies,
): Record<string, string | string[]> {
  const headers = endToEnd(req.headers as IncomingHttpHeaders, drop);
  headers['x-request-id'] = requestId;
  const client = req.socket.remoteAddress ?? '';
  const host = req.headers.host;
  if (trusted?.has(client)) {
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior
      ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}`
      : client;
    // A cached route does not key on these: even a trusted proxy's values are not passed on.
    const priorProto = drop?.has('x-forwarded-proto') ? undefined : req.headers['x-forwarded-proto'];
    headers['x-forwarded-proto'] = priorProto ?? 'http';
    const priorHost = drop?.has('x-forwarded-host') ? undefined : req.headers['x-forwarded-host'];
    if (priorHost !== undefined) headers['x-forwarded-host'] = priorHost;
    else if (host !== undefined) headers['x-forwarded-host'] = host;
    return headers;
  }
  headers['x-forwarded-for'] = client;
  headers['x-forwarded-proto'] = 'http';
  if (host !== undefined) headers['x-forwarded-host'] = host;
  else if (headers['x-forwarded-host'] !== undefined) delete headers['x-forwarded-host'];
  if (headers.forwarded !== undefined) delete headers.forwarded;
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
