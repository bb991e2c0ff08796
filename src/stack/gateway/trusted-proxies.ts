import { BlockList, isIP } from 'node:net';

/**
 * The peers whose forwarding headers the gateway believes (`trustedProxies`): addresses and
 * CIDR blocks, matched with node:net's BlockList. An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`,
 * as a dual-stack listener reports it) matches the IPv4 rules.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
  }

  /** Whether the connection's peer address is a trusted proxy (false for none configured). */
  has(address: string | undefined): boolean {
    if (this.size === 0 || address === undefined) return false;
    if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4)
      return this.list.check(address.slice(7), 'ipv4');
    return this.list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}
