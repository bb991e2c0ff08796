import { describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/stack/gateway/gateway.js';
import { until } from '../../support/until.js';
import { useGatewayRig } from './gateway-fixture.js';
import { request, startUpstreams } from './upstreams.js';

const rig = useGatewayRig();

describe('gateway concurrency limits', () => {
  it('sheds past a route limit with 503 + Retry-After, other routes unaffected', async () => {
    rig.upstreams = await startUpstreams(['a']);
    rig.gateway = await startGateway({
      clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } },
      routes: [
        {
          name: 'slow',
          match: { pathPrefix: '/slow' },
          cluster: 'api',
          concurrency: { limit: 1, maxQueue: 0, retryAfterSeconds: 3 },
        },
        { name: 'rest', match: { pathPrefix: '/' }, cluster: 'api' },
      ],
    });
    const gw = rig.gateway;
    rig.upstreams[0]!.behaviour = (req, res, name) =>
      req.url?.startsWith('/slow') ? rig.hang(req, res) : res.end(name);
    const first = request(`${gw.url}/slow/1`);
    await rig.holding(1);
    const shed = await request(`${gw.url}/slow/2`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('3');
    expect(JSON.parse(shed.body)).toMatchObject({ code: 'FL_SHED', status: 503 });
    expect((await request(`${gw.url}/other`)).status).toBe(200);
    expect(gw.state().routes[0]!.concurrency).toMatchObject({ limit: 1, inFlight: 1, shed: 1 });
    const metrics = await request(`${gw.adminUrl}/metrics`);
    expect(metrics.body).toContain(
      'faultline_gateway_sheds_total{route="slow",cluster="api",reason="FL_SHED"} 1',
    );
    rig.held.shift()!.end('done');
    expect((await first).status).toBe(200);
  });

  it('applies the gateway-wide limit across routes', async () => {
    rig.upstreams = await startUpstreams(['a']);
    rig.upstreams[0]!.behaviour = rig.hang;
    rig.gateway = await startGateway({
      concurrency: { limit: 2, maxQueue: 0 },
      clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } },
    });
    const gw = rig.gateway;
    const parked = [request(`${gw.url}/a`), request(`${gw.url}/b`)];
    await rig.holding(2);
    expect((await request(`${gw.url}/c`)).status).toBe(503);
    expect(gw.state().concurrency).toMatchObject({ limit: 2, inFlight: 2 });
    for (const res of rig.held.splice(0)) res.end('ok');
    await Promise.all(parked);
  });
});

describe('gateway adaptive per-try timeout', () => {
  it('learns the upstream latency, then cuts a hanging try near the floor and retries elsewhere', async () => {
    rig.upstreams = await startUpstreams(['a', 'b']);
    rig.gateway = await startGateway({
      clusters: {
        api: {
          hosts: rig.upstreams.map((u) => ({ url: u.url })),
          health: { outlier: false },
          timeouts: {
            overallMs: 10_000,
            adaptive: { minSamples: 20, floorMs: 150, ceilingMs: 5000, factor: 2 },
          },
        },
      },
    });
    const gw = rig.gateway;
    expect(gw.state().routes[0]!.perTryTimeoutMs).toBe(5000); // the ceiling until learned
    for (let i = 0; i < 30; i++) expect((await request(`${gw.url}/fast`)).status).toBe(200);
    const learned = gw.state().routes[0]!.perTryTimeoutMs;
    expect(learned).toBeGreaterThanOrEqual(150);
    expect(learned).toBeLessThan(1000);

    rig.upstreams[0]!.behaviour = rig.hang;
    const t0 = performance.now();
    const results = [await request(`${gw.url}/x`), await request(`${gw.url}/y`)];
    const ms = performance.now() - t0;
    expect(results.map((r) => r.body).sort()).toEqual(['b', 'b']);
    expect(rig.held.length).toBeGreaterThanOrEqual(1); // at least one try hung on "a" and was cut
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(4000);
  });
});

describe('gateway hedging', () => {
  async function hedged() {
    rig.upstreams = await startUpstreams(['slow', 'fast']);
    rig.upstreams[0]!.behaviour = rig.hang;
    rig.gateway = await startGateway({
      clusters: {
        api: {
          hosts: rig.upstreams.map((u) => ({ url: u.url })),
          health: { outlier: false },
          hedge: { delayMs: 100, budget: { ratio: 1, burst: 10 } },
        },
      },
    });
    return rig.gateway;
  }

  it('sends a slow idempotent request to another host too, and the first answer wins', async () => {
    const gw = await hedged();
    const hedges: number[] = [];
    gw.onHedge((e) => hedges.push(e.attempt));
    const t0 = performance.now();
    const r = await request(`${gw.url}/h`); // round robin: "slow" first
    const ms = performance.now() - t0;
    expect(r.body).toBe('fast');
    expect(hedges).toEqual([1]);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(3000);
    // The losing try was aborted: its connection slot frees up (poll, bounded).
    const slowHost = () => gw.state().clusters.api!.hosts[0]!;
    await until(() => slowHost().connections.inUse === 0, { timeoutMs: 2000, what: 'the slow slot freed' });
    expect(slowHost()).toMatchObject({ activeRequests: 0, connections: { inUse: 0 } });
  });

  it('never hedges a POST', async () => {
    const gw = await hedged();
    const hedges: number[] = [];
    gw.onHedge((e) => hedges.push(e.attempt));
    const r = request(`${gw.url}/p`, { method: 'POST', body: 'x' });
    await rig.holding(1);
    // No event marks "no hedge": wait well past the 100 ms hedge delay for one that must not come.
    await new Promise((res) => setTimeout(res, 250));
    expect(hedges).toEqual([]);
    expect(rig.upstreams[1]!.requests).toBe(0);
    rig.held.shift()!.end('slow');
    expect((await r).body).toBe('slow');
  });
});
