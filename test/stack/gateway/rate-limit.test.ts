import { describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import type { RequestShed } from '../../../src/stack/gateway/gateway-events.js';
import { useGatewayRig } from './gateway-fixture.js';
import { request, startUpstreams } from './upstreams.js';

const rig = useGatewayRig({ seed: 1212 });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';

async function burst(url: string, n: number, headers: Record<string, string> = {}) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await request(url, { headers }));
  return out;
}

describe('gateway rate limits', () => {
  it('a route limit answers 429 with Retry-After and RateLimit headers, and the upstream never sees it', async () => {
    const gw = await rig.setup(
      ['a'],
      {},
      {
        routes: [{ name: 'api', cluster: 'api', rateLimit: { limit: 3, windowMs: 60_000 } }],
      },
    );
    const sheds: RequestShed[] = [];
    gw.onShed((e) => sheds.push(e));
    const answers = await burst(`${gw.url}/x`, 5);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[0]?.headers.ratelimit).toBe('"api";r=2;t=20');
    expect(answers[0]?.headers['ratelimit-policy']).toBe('"api";q=3;w=60');
    const refused = answers[3];
    // Seconds count down while the test runs (a slow machine may take over a second here).
    const retryAfter = Number(refused?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(refused?.headers.ratelimit).toMatch(/^"api";r=0;t=(5\d|60)$/);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ code: 'FL_RATE_LIMITED', status: 429 });
    expect(rig.upstreams[0]?.requests).toBe(3);
    expect(sheds.map((s) => s.reason)).toEqual(['FL_RATE_LIMITED', 'FL_RATE_LIMITED']);
    expect(gw.state().routes[0]?.rateLimit).toMatchObject({
      limit: 3,
      admitted: 3,
      refused: 2,
      store: 'memory',
    });
  });

  it('keys by header: each API key has its own bucket', async () => {
    const gw = await rig.setup(
      ['a'],
      {},
      {
        routes: [{ cluster: 'api', rateLimit: { limit: 2, windowMs: 60_000, key: { header: 'x-api-key' } } }],
      },
    );
    const a = await burst(`${gw.url}/`, 3, { 'x-api-key': 'alice' });
    const b = await burst(`${gw.url}/`, 3, { 'x-api-key': 'bob' });
    expect(a.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(b.map((r) => r.status)).toEqual([200, 200, 429]);
  });

  it('a gateway-wide limit covers every route before the route limits', async () => {
    const gw = await rig.setup(
      ['a'],
      {},
      {
        routes: [
          {
            name: 'one',
            match: { pathPrefix: '/one' },
            cluster: 'api',
            rateLimit: { limit: 10, windowMs: 60_000 },
          },
          { name: 'two', match: { pathPrefix: '/two' }, cluster: 'api' },
        ],
        rateLimit: { limit: 3, windowMs: 60_000, key: 'global' },
      },
    );
    const statuses = [
      ...(await burst(`${gw.url}/one`, 2)).map((r) => r.status),
      ...(await burst(`${gw.url}/two`, 2)).map((r) => r.status),
    ];
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(gw.state().rateLimit).toMatchObject({ policy: 'global', admitted: 3, refused: 1 });
  });

  it('adaptive: upstream 5xx lower the effective limit', async () => {
    const gw = await rig.setup(
      ['a'],
      { health: { outlier: false } },
      {
        routes: [
          {
            name: 'api',
            cluster: 'api',
            retry: { maxRetries: 0 },
            rateLimit: {
              limit: 1000,
              windowMs: 1000,
              adaptive: { intervalMs: 50, minSamples: 3, targetErrorRate: 0.1 },
            },
          },
        ],
      },
    );
    const up = rig.upstreams[0];
    if (!up) throw new Error('no upstream');
    up.behaviour = (req, res) => {
      req.resume();
      res.writeHead(500).end();
    };
    const started = performance.now();
    let limit = 1000;
    while (limit >= 1000 && performance.now() - started < 10_000) {
      await burst(`${gw.url}/`, 5);
      limit = gw.state().routes[0]?.rateLimit?.effectiveLimit ?? 1000;
    }
    expect(limit).toBeLessThanOrEqual(500);
  });

  it('two gateways on one Redis share a bucket', async () => {
    const upstreams = await startUpstreams(['a']);
    const prefix = `faultline:test:gwrl:${process.pid}:${Date.now()}:`;
    const config = {
      clusters: { api: { hosts: upstreams.map((u) => ({ url: u.url })) } },
      rateLimit: {
        limit: 6,
        windowMs: 60_000,
        key: 'global' as const,
        store: { type: 'redis' as const, url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 1000 },
        failure: { timeoutMs: 1000 },
      },
    };
    const gateways: Gateway[] = [];
    try {
      gateways.push(await startGateway(config), await startGateway(config));
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await request(`${gateways[i % 2]?.url}/`)).status);
      expect(statuses.filter((s) => s === 200).length).toBe(6);
      expect(gateways.map((g) => g.state().rateLimit?.store)).toEqual(['redis', 'redis']);
    } finally {
      await Promise.all(gateways.map((g) => g.close({ drain: false })));
      await Promise.all(upstreams.map((u) => u.stop()));
    }
  });
});
