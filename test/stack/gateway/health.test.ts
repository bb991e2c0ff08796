import { describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import type { HostStateChange } from '../../../src/stack/health/host-health.js';
import { until } from '../../support/until.js';
import { useGatewayRig } from './gateway-fixture.js';
import { nextEvent, request, startUpstreams } from './upstreams.js';

const rig = useGatewayRig({ seed: 5 });

async function spread(gw: Gateway, n: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await request(`${gw.url}/s`);
    const key = r.status === 200 ? r.body : `status ${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const failWith =
  (status: number) =>
  (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, name: string) => {
    req.resume();
    res.writeHead(status).end(name);
  };

const activeFast = { intervalMs: 20, timeoutMs: 300, rise: 2, fall: 2 };

describe('gateway health', () => {
  it('takes a host failing active checks out of rotation and re-admits it when it passes', async () => {
    const gw = await rig.setup(['a', 'b', 'c'], { health: { active: activeFast, outlier: false } });
    const down = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'unhealthy');
    rig.upstreams[1]!.healthStatus = 503;
    expect(await down).toMatchObject({ host: rig.upstreams[1]!.url, reason: 'active_check_failed' });
    const counts = await spread(gw, 30);
    expect(counts.get('b')).toBeUndefined();
    expect((counts.get('a') ?? 0) + (counts.get('c') ?? 0)).toBe(30);

    const up = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'healthy');
    rig.upstreams[1]!.healthStatus = 200;
    expect(await up).toMatchObject({ host: rig.upstreams[1]!.url, reason: 'active_check_passed' });
    expect((await spread(gw, 30)).get('b')).toBe(10);
  });

  it('ejects a killed host and loses no idempotent request meanwhile', async () => {
    const gw = await rig.setup(['a', 'b', 'c'], {
      health: { outlier: { consecutiveGatewayFailure: 2, maxEjectionPercent: 34 } },
    });
    const ejected = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'ejected');
    await rig.upstreams[0]!.stop();
    const counts = await spread(gw, 30);
    expect(counts.get('status 502')).toBeUndefined();
    expect((counts.get('b') ?? 0) + (counts.get('c') ?? 0)).toBe(30);
    expect(await ejected).toMatchObject({
      host: rig.upstreams[0]!.url,
      reason: 'consecutive_gateway_failure',
    });
    expect(gw.state().clusters.api!.hosts[0]).toMatchObject({
      status: 'ejected',
      ejected: true,
      timesEjected: 1,
    });
  });

  it('ejects on consecutive 5xx for base × times ejected, capped', async () => {
    const gw = await rig.setup(['bad', 'good'], {
      health: {
        outlier: { consecutive5xx: 2, baseEjectionMs: 120, maxEjectionMs: 250, maxEjectionPercent: 50 },
      },
    });
    rig.upstreams[0]!.behaviour = failWith(500);
    const durations: number[] = [];
    for (let round = 0; round < 3; round++) {
      const ejected = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'ejected');
      let sent = 0;
      let event: HostStateChange | undefined;
      void ejected.then((e) => {
        event = e;
      });
      while (!event && sent < 50) {
        await request(`${gw.url}/x`);
        sent++;
      }
      const e = await ejected;
      durations.push(e.ejectedUntil! - e.at);
      const back = await nextEvent<HostStateChange>(gw.onHostStateChange, (x) => x.to === 'healthy');
      expect(back.reason).toBe('ejection_expired');
      expect(back.at - e.at).toBeGreaterThanOrEqual(durations.at(-1)! - 5);
    }
    expect(durations).toEqual([120, 240, 250]);
  });

  it('never ejects more than the max share of hosts, but always one', async () => {
    const gw = await rig.setup(['a', 'b', 'c', 'd'], {
      health: { outlier: { consecutive5xx: 1, maxEjectionPercent: 10, baseEjectionMs: 60_000 } },
      panicThreshold: 0,
    });
    for (const u of rig.upstreams) u.behaviour = failWith(500);
    await spread(gw, 12);
    const hosts = gw.state().clusters.api!.hosts;
    expect(hosts.filter((h) => h.ejected)).toHaveLength(1);
  });

  it('ramps a re-admitted host up with slow start', async () => {
    const gw = await rig.setup(['steady', 'back'], {
      balancer: 'weighted',
      slowStart: { windowMs: 1500, minWeightPercent: 10 },
      health: { active: activeFast, outlier: false },
    });
    const down = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'unhealthy');
    rig.upstreams[1]!.healthStatus = 500;
    await down;
    const up = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'healthy');
    rig.upstreams[1]!.healthStatus = 200;
    await up;
    const early = gw.state().clusters.api!.hosts[1]!.effectiveWeight;
    expect(early).toBeGreaterThanOrEqual(0.1);
    expect(early).toBeLessThan(0.5);
    const counts = await spread(gw, 20);
    // At full weight "back" would get 10 of 20.
    expect(counts.get('back') ?? 0).toBeLessThan(8);
    const later = gw.state().clusters.api!.hosts[1]!.effectiveWeight;
    expect(later).toBeGreaterThan(early);
    await until(() => gw.state().clusters.api!.hosts[1]!.effectiveWeight === 1, {
      timeoutMs: 5000,
      what: 'full weight after the slow start',
    });
  });

  it('balances over all hosts in panic mode', async () => {
    const gw = await rig.setup(['a', 'b', 'c'], {
      health: { active: activeFast, outlier: false },
      panicThreshold: 50,
    });
    const panic = nextEvent(gw.onPanicChange, (e) => e.panic);
    rig.upstreams[0]!.healthStatus = 500;
    rig.upstreams[1]!.healthStatus = 500;
    await panic;
    // Traffic still works on the "unhealthy" hosts: panic spreads it over all three.
    const counts = await spread(gw, 30);
    expect([counts.get('a'), counts.get('b'), counts.get('c')]).toEqual([10, 10, 10]);
    expect(gw.state().clusters.api!.panic).toBe(true);
    const metrics = await request(`${gw.adminUrl}/metrics`);
    expect(metrics.body).toContain('faultline_gateway_panic{cluster="api"} 1');
  });

  it('answers 503 when no host is healthy and panic mode is off', async () => {
    const gw = await rig.setup(['a'], {
      health: { active: { ...activeFast, fall: 1 }, outlier: false },
      panicThreshold: 0,
    });
    const down = nextEvent<HostStateChange>(gw.onHostStateChange, (e) => e.to === 'unhealthy');
    rig.upstreams[0]!.healthStatus = 500;
    await down;
    const r = await request(`${gw.url}/x`);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(JSON.parse(r.body)).toMatchObject({ code: 'FL_GW_NO_HEALTHY_UPSTREAM', status: 503 });
  });
});

describe('gateway circuit breakers', () => {
  it('stops picking a host whose breaker opened', async () => {
    const gw = await rig.setup(['flaky', 'ok'], {
      health: { outlier: false },
      retry: { maxRetries: 0 },
      breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 60_000 },
    });
    rig.upstreams[0]!.behaviour = failWith(500);
    const opened = nextEvent(gw.onBreakerStateChange, (e) => e.to === 'open');
    await spread(gw, 4);
    expect(await opened).toMatchObject({ scope: 'host', name: rig.upstreams[0]!.url, from: 'closed' });
    const counts = await spread(gw, 10);
    expect(counts.get('ok')).toBe(10);
    expect(gw.state().clusters.api!.hosts[0]!.breaker).toBe('open');
  });

  it('fails fast with 503 + Retry-After once a route breaker opens', async () => {
    rig.upstreams = await startUpstreams(['down']);
    rig.upstreams[0]!.behaviour = failWith(500);
    rig.gateway = await startGateway({
      clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }], health: { outlier: false } } },
      routes: [
        {
          name: 'items',
          match: { pathPrefix: '/' },
          cluster: 'api',
          breaker: { strategy: { type: 'consecutive', threshold: 3 }, halfOpenAfter: 5000 },
        },
      ],
    });
    for (let i = 0; i < 3; i++) expect((await request(`${rig.gateway.url}/i`)).status).toBe(500);
    const before = rig.upstreams[0]!.requests;
    const r = await request(`${rig.gateway.url}/i`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).code).toBe('FL_BROKEN_CIRCUIT');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(rig.upstreams[0]!.requests).toBe(before);
    expect(rig.gateway.state().routes[0]).toMatchObject({ name: 'items', breaker: 'open' });
  });

  it('route breaker ignores overall timeouts (bug): requests cut by the overall timeout (504) open it', async () => {
    rig.upstreams = await startUpstreams(['hang']);
    rig.upstreams[0]!.behaviour = (req) => req.resume(); // never answers (stop() cuts it)
    rig.gateway = await startGateway({
      clusters: {
        api: {
          hosts: [{ url: rig.upstreams[0]!.url }],
          health: { outlier: false },
          timeouts: { overallMs: 150, perTryMs: 10_000 },
        },
      },
      routes: [
        {
          name: 'items',
          match: { pathPrefix: '/' },
          cluster: 'api',
          breaker: { strategy: { type: 'consecutive', threshold: 3 }, halfOpenAfter: 60_000 },
        },
      ],
    });
    for (let i = 0; i < 3; i++) {
      const r = await request(`${rig.gateway.url}/i`);
      expect(r.status).toBe(504);
      expect(JSON.parse(r.body).code).toBe('FL_GW_TIMEOUT');
    }
    expect(rig.gateway.state().routes[0]).toMatchObject({ name: 'items', breaker: 'open' });
    const before = rig.upstreams[0]!.requests;
    const r = await request(`${rig.gateway.url}/i`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).code).toBe('FL_BROKEN_CIRCUIT');
    expect(rig.upstreams[0]!.requests).toBe(before);
  });

  it('route breaker: a shed by the route concurrency limiter is not a route failure', async () => {
    rig.upstreams = await startUpstreams(['slow']);
    rig.upstreams[0]!.behaviour = rig.hang;
    rig.gateway = await startGateway({
      clusters: { api: { hosts: [{ url: rig.upstreams[0]!.url }], health: { outlier: false } } },
      routes: [
        {
          name: 'items',
          match: { pathPrefix: '/' },
          cluster: 'api',
          concurrency: { limit: 1, maxQueue: 0 },
          breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfter: 60_000 },
        },
      ],
    });
    const holder = request(`${rig.gateway.url}/hold`);
    await rig.holding(1);
    for (let i = 0; i < 3; i++) {
      const r = await request(`${rig.gateway.url}/i`);
      expect(JSON.parse(r.body).code).toBe('FL_SHED');
    }
    expect(rig.gateway.state().routes[0]).toMatchObject({ breaker: 'closed' });
    rig.held.shift()!.end('ok');
    expect((await holder).status).toBe(200);
  });
});
