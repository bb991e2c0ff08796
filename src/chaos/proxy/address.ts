import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { ProxyApiError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or `:port` (Toxiproxy's address forms). `field` names the
 * field in the error message. An empty host means all interfaces, as in Go's net.Listen.
 */
export function parseAddress(value: string, field: string): HostPort {
  const colon = value.lastIndexOf(':');
  if (colon === -1) throw new ProxyApiError('badAddress', `${field} "${value}" must be host:port`);
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new ProxyApiError('badAddress', `${field} "${value}" has an invalid port`);
  }
  return { host, port };
}

/** Formats an address the way Go's net.Addr.String() does: IPv6 in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The host of an address that listens on every interface, whichever way it was written. */
const WILDCARD = '*';

/**
 * What a host means to a socket: `*` for every interface (`""`, `0.0.0.0`, `::`, however
 * spelled), an IP in canonical form (`0:0::1` → `::1`), or, for a host name, the first address
 * `dns.lookup` gives — the one `net.Server.listen` and `net.connect` use. A name that does not
 * resolve stays as written (lower-cased), so it equals only itself.
 */
export async function hostMeaning(host: string): Promise<string> {
  const ip = canonicalIp(host);
  if (ip !== undefined) return ip;
  try {
    return canonicalIp((await lookup(host)).address) ?? host.toLowerCase();
  } catch {
    return host.toLowerCase();
  }
}

function canonicalIp(host: string): string | undefined {
  if (host === '') return WILDCARD;
  const family = net.isIP(host);
  if (family === 0) return undefined;
  // The WHATWG URL parser writes IPv6 in its canonical compressed form.
  const ip = family === 6 ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host;
  return ip === '0.0.0.0' || ip === '::' ? WILDCARD : ip;
}

/**
 * Whether the address `wanted` (as a caller wrote it) means the address `current` (as the proxy
 * holds it: the bound address once listening, else as written). Hosts compare by
 * {@link hostMeaning}. With `anyPort`, port 0 in `wanted` matches whatever port `current` has
 * (the port a listener already picked for it); otherwise ports compare as numbers.
 */
export async function sameAddress(
  current: string,
  wanted: string,
  options: { anyPort?: boolean } = {},
): Promise<boolean> {
  if (current === wanted) return true;
  const a = parseAddress(current, 'address');
  const b = parseAddress(wanted, 'address');
  if (a.port !== b.port && !(options.anyPort === true && b.port === 0)) return false;
  if (a.host === b.host) return true;
  const [ha, hb] = await Promise.all([hostMeaning(a.host), hostMeaning(b.host)]);
  return ha === hb;
}
