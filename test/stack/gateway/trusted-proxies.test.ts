import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../../../src/stack/gateway/trusted-proxies.js';

describe('TrustedProxies', () => {
  it('matches addresses and CIDR blocks of both families, IPv4-mapped peers as IPv4', () => {
    const trusted = new TrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']);
    expect(
      ['10.1.2.3', '192.168.1.7', '::ffff:10.9.9.9', 'fd12::1', '::1'].map((a) => trusted.has(a)),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['11.0.0.1', '192.168.1.8', '::ffff:11.0.0.1', 'fe80::1', '127.0.0.1', undefined].map((a) =>
        trusted.has(a),
      ),
    ).toEqual([false, false, false, false, false, false]);
  });

  it('trusts nobody when empty', () => {
    expect(new TrustedProxies([]).has('127.0.0.1')).toBe(false);
  });
});
