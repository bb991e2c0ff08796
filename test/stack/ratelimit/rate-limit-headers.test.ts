import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rateLimitHeaders, sendRateLimited } from '../../../src/stack/ratelimit/rate-limit-headers.js';
import type { RateLimitResult } from '../../../src/stack/ratelimit/rate-limit-result.js';

const refused: RateLimitResult = {
  allowed: false,
  policy: 'per-ip',
  limit: 100,
  windowMs: 60_000,
  remaining: 0,
  resetMs: 1500.2,
  retryAfterMs: 600.5,
  source: 'store',
  key: 'ip:127.0.0.1',
};

describe('rate-limit headers (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('writes RateLimit-Policy, RateLimit and Retry-After in structured-field syntax', () => {
    expect(rateLimitHeaders(refused)).toEqual({
      'ratelimit-policy': '"per-ip";q=100;w=60',
      ratelimit: '"per-ip";r=0;t=2',
      'retry-after': '1',
    });
    expect(rateLimitHeaders({ ...refused, allowed: true, remaining: 41.9, retryAfterMs: 0 })).toEqual({
      'ratelimit-policy': '"per-ip";q=100;w=60',
      ratelimit: '"per-ip";r=41;t=2',
    });
  });

  it('rounds seconds up without float noise (20000.000000004 ms is 20 s)', () => {
    const now = 1_764_000_123.456;
    const resetMs = now + 20_000 - now;
    expect(
      rateLimitHeaders({ ...refused, resetMs: resetMs + 4e-9, retryAfterMs: 1000.0000001 }),
    ).toMatchObject({
      ratelimit: '"per-ip";r=0;t=20',
      'retry-after': '1',
    });
  });

  it('escapes the policy name as an sf-string', () => {
    expect(rateLimitHeaders({ ...refused, policy: 'a"b\\c' })['ratelimit-policy']).toBe(
      '"a\\"b\\\\c";q=100;w=60',
    );
  });

  it('sendRateLimited answers 429 with the headers and a JSON body over a real socket', async () => {
    const server = http.createServer((_req, res) => sendRateLimited(res, refused));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('ratelimit')).toBe('"per-ip";r=0;t=2');
      expect(await res.json()).toMatchObject({ code: 'FL_RATE_LIMITED', status: 429 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
