import { afterEach, describe, expect, it } from 'vitest';
import type { CacheConfigInput } from '../../../src/stack/cache/cache-config.js';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import { request, TestUpstream, type UpstreamBehaviour } from './upstreams.js';

/** A careless origin: builds absolute links from X-Forwarded-Host and says the page is cacheable. */
const reflectsForwardedHost: UpstreamBehaviour = (req, res) => {
  req.resume();
  const host = req.headers['x-forwarded-host'] ?? req.headers.host;
  res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'max-age=60, stale-if-error=60' });
  res.end(`<script src="//${host}/app.js"></script> path=${req.url}`);
};

describe('gateway route cache', () => {
  let gateway: Gateway | undefined;
  let upstream: TestUpstream | undefined;
  afterEach(async () => {
    await gateway?.close({ drain: false });
    await upstream?.stop();
    gateway = undefined;
    upstream = undefined;
  });

  async function setup(
    cache: CacheConfigInput = {},
    behaviour = reflectsForwardedHost,
    trustedProxies: string[] = [],
  ): Promise<Gateway> {
    upstream = await new TestUpstream('origin', behaviour).start();
    gateway = await startGateway({
      trustedProxies,
      clusters: { web: { hosts: [{ url: upstream.url }], health: { outlier: false } } },
      routes: [
        {
          match: { pathPrefix: '/' },
          cluster: 'web',
          cache: { integrity: { key: 'k'.repeat(32) }, ...cache },
        },
      ],
      seed: 1,
    });
    return gateway;
  }

  it('answers the second request from the cache, with its own request id', async () => {
    const gw = await setup();
    const first = await request(`${gw.url}/page`);
    const second = await request(`${gw.url}/page`, { headers: { 'x-request-id': 'mine' } });
    expect(second.body).toBe(first.body);
    expect(second.headers['cache-status']).toBe('faultline; hit');
    expect(second.headers['x-request-id']).toBe('mine');
    expect(upstream?.requests).toBe(1);
    const state = gw.state().routes[0]?.cache;
    expect(state?.stats.hits).toBe(1);
    expect(state?.tiers).toEqual([{ name: 'memory', state: 'closed' }]);
    const metrics = await request(`${gw.adminUrl}/metrics`);
    expect(metrics.body).toContain('faultline_gateway_cache_requests_total{route="/",outcome="hit"} 1');
  });

  it('strips unkeyed headers, so a reflected X-Forwarded-Host never reaches the cache', async () => {
    const gw = await setup();
    const attack = await request(`${gw.url}/page`, {
      headers: {
        'x-forwarded-host': 'evil.test',
        'x-original-url': '/admin',
        'x-http-method-override': 'DELETE',
      },
    });
    expect(attack.body).not.toContain('evil.test');
    const seen = upstream?.seen[0]?.headers ?? {};
    for (const h of ['x-original-url', 'x-http-method-override']) expect(seen[h]).toBeUndefined();
    // The gateway's own X-Forwarded-Host: the (keyed) Host header, never the client's claim.
    expect(seen['x-forwarded-host']).toBe(new URL(gw.url).host);
    const victim = await request(`${gw.url}/page`);
    expect(victim.headers['cache-status']).toBe('faultline; hit');
    expect(victim.body).not.toContain('evil.test');
  });

  it('with stripping off, the same request poisons the entry (the negative control fails)', async () => {
    // The client is a trusted proxy, so its X-Forwarded-Host is passed on when not stripped.
    const gw = await setup({ stripUnkeyedHeaders: false }, reflectsForwardedHost, ['127.0.0.1']);
    await request(`${gw.url}/page`, { headers: { 'x-forwarded-host': 'evil.test' } });
    const victim = await request(`${gw.url}/page`);
    expect(victim.body).toContain('evil.test');
  });

  it('neither stores nor serves from the cache a GET with a body', async () => {
    const gw = await setup();
    const fat = await request(`${gw.url}/page`, {
      body: 'callback=evil',
      headers: { 'content-length': '13' },
    });
    expect(fat.status).toBe(200);
    expect(fat.headers['cache-status']).toBe('faultline; fwd=bypass; detail=request-body');
    const next = await request(`${gw.url}/page`);
    expect(next.headers['cache-status']).toBe('faultline; fwd=miss; stored');
  });

  it('forwards the normalised target', async () => {
    const gw = await setup();
    await request(`${gw.url}/a/../page?b=1&a=2`);
    expect(upstream?.seen[0]?.url).toBe('/page?a=2&b=1');
    expect((await request(`${gw.url}/page?a=2&b=1`)).headers['cache-status']).toBe('faultline; hit');
  });

  it('serves stale per stale-if-error when the origin is gone', async () => {
    const gw = await setup();
    // Age the entry through the origin's own Age header instead of waiting: max-age=60, Age=70.
    (upstream as TestUpstream).behaviour = (req, res) => {
      req.resume();
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'max-age=60, stale-if-error=600',
        age: '70',
      });
      res.end('old but good');
    };
    await request(`${gw.url}/s`);
    await upstream?.stop();
    const r = await request(`${gw.url}/s`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('old but good');
    expect(r.headers['cache-status']).toBe('faultline; hit; detail=stale-if-error');
  });

  it('rejects a bad cache config naming the key', async () => {
    await expect(
      startGateway({
        clusters: { web: { hosts: [{ url: 'http://127.0.0.1:1' }] } },
        routes: [{ cluster: 'web', cache: { integrity: { key: 'short' } } }],
      }),
    ).rejects.toThrow(/cache.*integrity.*key|integrity/);
  });
});
