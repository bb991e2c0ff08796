import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LoadSpecInput, startLoad } from '../../../src/chaos/load/index.js';
import { freePort } from '../../../src/chaos/process/index.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { startHttpServer, type TestHttpServer } from './servers.js';

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function start(spec: LoadSpecInput, signal = new AbortController().signal, origin = performance.now()) {
  return startLoad(spec, { rng: new SeededRandom(1), signal, origin });
}

const tolerance = { error_rate: 0.05, p99_ms: 1000 };

describe('http load', () => {
  it('sends at the configured constant rate, bounded by duration', async () => {
    server = await startHttpServer();
    const run = start({ kind: 'http', url: server.url, rate: 200, duration_ms: 1000 });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.requests).toBe(200);
    expect(m.errors).toBe(0);
    expect(m.status_codes).toEqual({ '200': 200 });
    expect(server.arrivals).toHaveLength(200);
    const span = (server.arrivals.at(-1) as number) - (server.arrivals[0] as number);
    // Arrivals are 5 ms apart: 995 ms from first to last. A busy machine blurs both ends
    // (a late first request shortens it), but a burst would be far shorter.
    expect(span).toBeGreaterThan(700);
    expect(span).toBeLessThan(3000);
    expect(m.timeline.length).toBeGreaterThanOrEqual(10);
    expect(m.latency_ms.p50).toBeGreaterThan(0);
  });

  it('a slow server does not slow the sending down (open loop)', async () => {
    server = await startHttpServer((_req, res) => {
      setTimeout(() => res.end('slow'), 400);
    });
    const run = start({ kind: 'http', url: server.url, rate: 100, duration_ms: 1000, connections: 100 });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.requests).toBe(100);
    const span = (server.arrivals.at(-1) as number) - (server.arrivals[0] as number);
    // ~1 s of sending despite 400 ms responses (a closed loop of one connection would take 40 s).
    expect(span).toBeLessThan(3000);
    expect(m.latency_ms.p50).toBeGreaterThanOrEqual(399);
  });

  it('counts waiting for a busy connection as latency (no coordinated omission)', async () => {
    server = await startHttpServer((_req, res) => {
      setTimeout(() => res.end('ok'), 100);
    });
    // 2 connections × 10 req/s capacity = 20 req/s offered 50 req/s: the queue grows.
    const run = start({ kind: 'http', url: server.url, rate: 50, duration_ms: 1000, connections: 2 });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.requests).toBe(50);
    // The last request waits behind ~30 others: ~1.5 s, though the server took 100 ms for it.
    expect(m.latency_ms.max).toBeGreaterThan(1000);
    expect(m.latency_ms.p50).toBeGreaterThan(300);
  });

  it('counts error statuses and transport errors by label', async () => {
    let n = 0;
    server = await startHttpServer((_req, res) => {
      res.statusCode = ++n % 4 === 0 ? 503 : 200;
      res.end();
    });
    const run = start({ kind: 'http', url: server.url, rate: 100, duration_ms: 400 });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.status_codes).toEqual({ '200': 30, '503': 10 });
    expect(m.errors).toBe(10);
    expect(m.error_rate).toBeCloseTo(0.25);

    const closedPort = await freePort();
    const refused = start({
      kind: 'http',
      url: `http://127.0.0.1:${closedPort}/`,
      rate: 50,
      duration_ms: 200,
    });
    await refused.done;
    const r = refused.result([], tolerance);
    expect(r.requests).toBe(10);
    expect(r.errors).toBe(10);
    expect(Object.keys(r.status_codes)).toEqual(['ECONNREFUSED']);
  });

  it('times requests out and counts arrivals over the in-flight cap as dropped', async () => {
    server = await startHttpServer(() => {
      // never answers
    });
    const run = start({
      kind: 'http',
      url: server.url,
      rate: 100,
      duration_ms: 200,
      timeout_ms: 1000,
      max_in_flight: 5,
    });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.requests).toBe(20);
    expect(m.dropped).toBe(15);
    expect(m.status_codes).toEqual({ dropped: 15, timeout: 5 });
    expect(m.errors).toBe(20);
    expect(m.latency_ms.p50).toBeGreaterThanOrEqual(999);
  });

  it('live() reports the last second while the load runs', async () => {
    server = await startHttpServer();
    const run = start({ kind: 'http', url: server.url, rate: 100, duration_ms: 5000 });
    // No event says "ten responses are in": poll the live stats themselves.
    await vi.waitFor(() => expect(run.live().requests).toBeGreaterThanOrEqual(10), {
      timeout: 4000,
      interval: 20,
    });
    const live = run.live();
    expect(live.rps).toBeGreaterThan(0);
    expect(live.rps).toBeLessThanOrEqual(live.requests);
    expect(live.error_rate).toBe(0);
    expect(live.p99_ms).toBeGreaterThan(0);
    await run.stop();
  });

  it('stops at max_requests, and stop() ends a run early', async () => {
    server = await startHttpServer();
    const capped = start({
      kind: 'http',
      url: server.url,
      rate: 1000,
      duration_ms: 60_000,
      max_requests: 25,
    });
    await capped.done;
    expect(capped.result([], tolerance).requests).toBe(25);

    let reached: () => void = () => {};
    const tenArrived = new Promise<void>((r) => (reached = r));
    const base = server.arrivals.length;
    server.handler = (_req, res) => {
      if ((server?.arrivals.length ?? 0) - base >= 10) reached();
      res.end('ok');
    };
    const long = start({ kind: 'http', url: server.url, rate: 100, duration_ms: 60_000 });
    await tenArrived;
    const t0 = performance.now();
    await long.stop();
    expect(performance.now() - t0).toBeLessThan(5000);
    const m = long.result([], tolerance);
    expect(m.requests).toBeGreaterThanOrEqual(10);
    expect(m.requests).toBeLessThan(1000);
  });

  it('aborts requests in flight when the signal aborts (emergency stop)', async () => {
    server = await startHttpServer(() => {});
    const controller = new AbortController();
    const run = start(
      { kind: 'http', url: server.url, rate: 50, duration_ms: 60_000, timeout_ms: 30_000 },
      controller.signal,
    );
    await sleep(200);
    const t0 = performance.now();
    controller.abort();
    await run.done;
    expect(performance.now() - t0).toBeLessThan(3000);
    const m = run.result([], tolerance);
    expect(m.errors).toBe(m.requests);
    expect(run.live().requests).toBe(m.requests);
  });

  it('sends a unique, seeded idempotency key per request and a JSON body', async () => {
    const seen: { key: string | undefined; body: string }[] = [];
    server = await startHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        res.end();
      });
    });
    const spec: LoadSpecInput = {
      kind: 'http',
      url: server.url,
      method: 'POST',
      body: { item: 'x' },
      rate: 100,
      duration_ms: 100,
      idempotency: { header: 'Idempotency-Key' },
      connections: 1,
    };
    await start(spec).done;
    const first = seen.map((s) => s.key);
    expect(new Set(first).size).toBe(10);
    expect(seen.every((s) => s.body === '{"item":"x"}')).toBe(true);
    seen.length = 0;
    await start(spec).done;
    expect(seen.map((s) => s.key)).toEqual(first);
  });

  it('derives error rate under fault, time to detect and time to recover on a server broken and restored', async () => {
    // The server breaks itself at its 201st request and heals at its 501st: the fault is
    // tied to the traffic, not to timers a busy host may fire late.
    const origin = performance.now();
    let breakAt = Number.NaN;
    let restoreAt = Number.NaN;
    let n = 0;
    server = await startHttpServer((_req, res) => {
      n++;
      if (n === 201) breakAt = performance.now() - origin;
      if (n === 501) restoreAt = performance.now() - origin;
      res.statusCode = n > 200 && n <= 500 ? 500 : 200;
      res.end();
    });
    const run = start({ kind: 'http', url: server.url, rate: 200, duration_ms: 3500 }, undefined, origin);
    await run.done;

    const m = run.result([{ start_ms: breakAt, end_ms: restoreAt }], { ...tolerance, stable_buckets: 3 });
    expect(m.requests).toBe(700);
    expect(m.errors).toBe(300);
    expect(m.status_codes).toEqual({ '200': 400, '500': 300 });
    expect(m.error_rate).toBeCloseTo(300 / 700);
    // Bucketed by intended time, so the edges of the window blur by the requests' latency.
    expect(m.error_rate_under_fault).toBeGreaterThan(0.5);
    expect(m.time_to_detect_ms).not.toBeNull();
    expect(m.time_to_detect_ms).toBeGreaterThan(0);
    expect(m.time_to_detect_ms).toBeLessThanOrEqual(300);
    expect(m.time_to_recover_ms).not.toBeNull();
    expect(m.time_to_recover_ms).toBeGreaterThanOrEqual(0);
    expect(m.time_to_recover_ms).toBeLessThanOrEqual(300);
    // Buckets are keyed by intended send time, and on a busy machine a request may reach the
    // server ~100 ms after it was due: judge the buckets away from the two transitions.
    const during = m.timeline.filter((p) => p.t_ms >= breakAt + 300 && p.t_ms + 300 <= restoreAt);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(
      during.every((p) => p.error_rate === 1),
      JSON.stringify({ breakAt, restoreAt, during }),
    ).toBe(true);
    const before = m.timeline.filter((p) => p.t_ms + 400 <= breakAt);
    expect(
      before.every((p) => p.error_rate === 0),
      JSON.stringify({ breakAt, before }),
    ).toBe(true);

    // While the fault is still open there is no recovery to measure.
    const open = run.result([{ start_ms: breakAt, end_ms: null }], tolerance);
    expect(open.time_to_recover_ms).toBeNull();
    expect(open.error_rate_under_fault).toBeGreaterThan(0.4);
  });
});
