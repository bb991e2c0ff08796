import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/stack/gateway/gateway.js';
import { until } from '../../support/until.js';
import { useGatewayRig } from './gateway-fixture.js';
import { request, startUpstreams } from './upstreams.js';

const rig = useGatewayRig();

describe('gateway graceful drain', () => {
  it('finishes an in-flight request, refuses new connections, then closes', async () => {
    rig.upstreams = await startUpstreams(['slow']);
    rig.upstreams[0]!.behaviour = rig.hang;
    rig.gateway = await startGateway({ clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } } });
    const gw = rig.gateway;
    const inFlight = request(`${gw.url}/work`);
    await rig.holding(1);

    const closed = gw.close({ drain: true, timeoutMs: 10_000 });
    let closedYet = false;
    void closed.then(() => {
      closedYet = true;
    });
    // New connections are refused while the in-flight request is still running.
    await expect(request(`${gw.url}/new`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(closedYet).toBe(false);
    expect(gw.state()).toMatchObject({ draining: true, activeRequests: 1 });

    rig.held[0]!.end('done');
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.body).toBe('done');
    await closed;
    rig.gateway = undefined;
  });

  it('answers 503 draining to requests that outlive the drain timeout', async () => {
    rig.upstreams = await startUpstreams(['stuck']);
    rig.upstreams[0]!.behaviour = (req) => req.resume();
    rig.gateway = await startGateway({ clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } } });
    const gw = rig.gateway;
    const inFlight = request(`${gw.url}/stuck`);
    await until(() => rig.upstreams[0]!.requests >= 1, { timeoutMs: 5000, what: 'the request upstream' });
    const t0 = performance.now();
    await gw.close({ drain: true, timeoutMs: 200 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    const r = await inFlight;
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).code).toBe('FL_GW_DRAINING');
    expect(r.headers.connection).toBe('close');
    rig.gateway = undefined;
  });
});

describe('gateway admin API', () => {
  it('lists upstreams with their state, serves /healthz and Prometheus /metrics', async () => {
    rig.upstreams = await startUpstreams(['a', 'b']);
    rig.gateway = await startGateway({
      clusters: {
        api: {
          balancer: 'weighted',
          hosts: [{ url: rig.upstreams[0]!.url, weight: 2 }, { url: rig.upstreams[1]!.url }],
          breaker: { strategy: { type: 'consecutive', threshold: 3 } },
        },
      },
    });
    const gw = rig.gateway;
    for (let i = 0; i < 3; i++) expect((await request(`${gw.url}/x`)).status).toBe(200);

    const upstreamsRes = await request(`${gw.adminUrl}/admin/upstreams`);
    expect(upstreamsRes.status).toBe(200);
    const state = JSON.parse(upstreamsRes.body);
    expect(state.clusters.api).toMatchObject({ balancer: 'weighted', panic: false, healthyHosts: 2 });
    expect(state.clusters.api.hosts[0]).toMatchObject({
      url: rig.upstreams[0]!.url,
      status: 'healthy',
      ejected: false,
      ejectedUntil: null,
      timesEjected: 0,
      weight: 2,
      effectiveWeight: 2,
      activeRequests: 0,
      breaker: 'closed',
    });

    const config = JSON.parse((await request(`${gw.adminUrl}/admin/config`)).body);
    expect(config.clusters.api).toMatchObject({ balancer: 'weighted', panicThreshold: 50 });

    const health = await request(`${gw.adminUrl}/healthz`);
    expect(health.status).toBe(200);

    const metrics = await request(`${gw.adminUrl}/metrics`);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain(
      'faultline_gateway_requests_total{route="/",cluster="api",status="200"} 3',
    );
    expect(metrics.body).toContain(
      'faultline_gateway_request_duration_seconds_count{route="/",cluster="api"} 3',
    );
    expect(metrics.body).toContain('faultline_gateway_healthy_hosts{cluster="api"} 2');
    expect(metrics.body).toContain(
      `faultline_gateway_breaker_state{scope="host",name="${rig.upstreams[0]!.url}"} 0`,
    );

    expect((await request(`${gw.adminUrl}/nope`)).status).toBe(404);
    expect((await request(`${gw.adminUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('keeps metrics of two gateways in one process apart', async () => {
    rig.upstreams = await startUpstreams(['a']);
    const config = { clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }] } } };
    rig.gateway = await startGateway(config);
    const other = await startGateway(config);
    try {
      await request(`${rig.gateway.url}/x`);
      const mine = await request(`${rig.gateway.adminUrl}/metrics`);
      const theirs = await request(`${other.adminUrl}/metrics`);
      expect(mine.body).toContain('status="200"} 1');
      expect(theirs.body).not.toContain('status="200"');
    } finally {
      await other.close({ drain: false });
    }
  });
});

describe('gateway logs', () => {
  it('logs host state changes through the given pino logger, requests at debug', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    rig.upstreams = await startUpstreams(['a', 'b']);
    rig.upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      res.writeHead(500).end();
    };
    rig.gateway = await startGateway(
      {
        clusters: {
          api: {
            hosts: rig.upstreams.map((u) => ({ url: u.url })),
            health: { outlier: { consecutive5xx: 1, maxEjectionPercent: 50 } },
          },
        },
      },
      { logger: pino({ level: 'debug' }, sink) },
    );
    await request(`${rig.gateway.url}/x`);
    await request(`${rig.gateway.url}/y`);
    expect(lines).toContainEqual(
      expect.objectContaining({
        component: 'gateway',
        msg: 'host ejected',
        reason: 'consecutive_5xx',
        host: rig.upstreams[0]!.url,
      }),
    );
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(2);
  });
});
