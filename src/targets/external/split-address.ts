/** `host:port` → `[host, port]`, brackets of an IPv6 host removed. @example '[::1]:80' → ['::1', 80] */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), Number(address.slice(i + 1))];
}
