/**
 * Cache keys (RFC 9111 §4.1 and RFC 3986 §6.2.2), built so that the key is exactly what the
 * origin is asked for: the request is forwarded with the normalised target, so two requests that
 * share a key can never get different answers because the origin read their targets differently.
 *
 * Choices (docs/cache.md "Keys"):
 * - method: GET and HEAD share the key `GET` (a HEAD is answered from a stored GET);
 * - scheme: `http` (the gateway listens on plain HTTP);
 * - host: the Host header, lowercased, without a trailing dot or the default port `:80`; a Host
 *   that is not a DNS name, IPv4 or bracketed IPv6 (with an optional port) is not cached;
 * - path: percent-encodings upper-cased, unreserved characters (`A-Z a-z 0-9 - . _ ~`) decoded,
 *   dot segments removed (RFC 3986 §5.2.4); duplicate slashes are kept (origins disagree on
 *   them); characters outside RFC 3986 `pchar` or a malformed `%` escape: not cached;
 * - query: split on `&` only (never `;`: parameter cloaking relies on a cache and an origin
 *   disagreeing on separators), empty pairs dropped, each name and value percent-normalised like
 *   the path, then sorted by name with equal names kept in their order (origins that take the
 *   first or the last value still see the same one). Every parameter is keyed: there is no
 *   list of "unkeyed" parameters (utm_*), which is what cloaking exploits.
 */
export type KeyPlan =
  | { readonly cacheable: true; readonly key: string; readonly target: string }
  | { readonly cacheable: false; readonly reason: string };

export interface KeyOptions {
  /** Longer request targets are not cached, in bytes. @default 2048 */
  readonly maxTargetBytes: number;
  /** Sort query parameters by name. @default true */
  readonly sortQuery: boolean;
}

const unreserved = /[A-Za-z0-9\-._~]/;
// RFC 3986 pchar minus "%" (handled apart): unreserved / sub-delims / ":" / "@"
const pathChars = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
// query = *( pchar / "/" / "?" )
const queryChars = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
const hostPattern =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;

/** Upper-cases escapes and decodes unreserved ones; undefined for a malformed escape. */
function normalizeEscapes(s: string): string | undefined {
  if (!s.includes('%')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    out += unreserved.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments, on a path that starts with "/". */
export function removeDotSegments(path: string): string {
  const input = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < input.length; i++) {
    const seg = input[i] as string;
    const last = i === input.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length > 0) out.pop();
      if (last) out.push('');
    } else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Lowercased host without a trailing dot or `:80`; undefined when not a valid authority. */
export function normalizeHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  let h = host.trim().toLowerCase();
  const portMatch = /:(\d+)$/.exec(h);
  let port = '';
  if (portMatch && !h.endsWith(']')) {
    port = portMatch[1] as string;
    h = h.slice(0, -port.length - 1);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  const candidate = port ? `${h}:${port}` : h;
  if (!hostPattern.test(candidate)) return undefined;
  if (port && Number(port) > 65535) return undefined;
  return port === '' || port === '80' ? h : `${h}:${port}`;
}

function normalizeQuery(query: string, sort: boolean): string | undefined {
  if (!queryChars.test(query)) return undefined;
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = normalizeEscapes(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? undefined : normalizeEscapes(part.slice(eq + 1));
    if (name === undefined || (eq !== -1 && value === undefined)) return undefined;
    pairs.push([name, value === undefined ? name : `${name}=${value}`]);
  }
  if (sort) pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // stable (ES2019)
  return pairs.map((p) => p[1]).join('&');
}

/**
 * The key and the normalised request target for a GET or HEAD, or why it is not cached.
 * `target` is path and query as the client sent them (origin-form).
 */
export function planCacheKey(
  method: string,
  target: string,
  host: string | undefined,
  options: KeyOptions,
): KeyPlan {
  if (method !== 'GET' && method !== 'HEAD') return { cacheable: false, reason: 'method' };
  if (Buffer.byteLength(target) > options.maxTargetBytes)
    return { cacheable: false, reason: 'target-too-long' };
  if (!target.startsWith('/')) return { cacheable: false, reason: 'target-form' };
  const h = normalizeHost(host);
  if (h === undefined) return { cacheable: false, reason: 'host' };
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  if (!pathChars.test(rawPath)) return { cacheable: false, reason: 'path' };
  const escaped = normalizeEscapes(rawPath);
  if (escaped === undefined) return { cacheable: false, reason: 'path' };
  const path = removeDotSegments(escaped);
  let normalized = path;
  if (q !== -1) {
    const query = normalizeQuery(target.slice(q + 1), options.sortQuery);
    if (query === undefined) return { cacheable: false, reason: 'query' };
    if (query !== '') normalized = `${path}?${query}`;
  }
  return { cacheable: true, key: `GET http://${h}${normalized}`, target: normalized };
}
