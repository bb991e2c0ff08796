import { isIP } from 'node:net';

/**
 * Whether `host` names this machine only: `localhost` (and `*.localhost`, RFC 6761), 127.0.0.0/8,
 * `::1` and IPv4-mapped 127.x. An empty host, `0.0.0.0` and `::` are every interface, not loopback.
 * Brackets around an IPv6 literal are accepted (`[::1]`).
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}
