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
