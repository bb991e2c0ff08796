import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ExternalStub, startExternalStub } from '../../src/service/external-stub.js';
import { killHard, type SpawnedService, spawnService } from './service-process.js';

async function call(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

describe('reference service process (memory store)', () => {
  let svc: SpawnedService;

  beforeAll(async () => {
    svc = await spawnService({ INSTANCE_ID: 'svc-a' });
  });
  afterAll(() => killHard(svc));

  it('announces its real port and answers /healthz with X-Instance-Id', async () => {
    expect(svc.port).toBeGreaterThan(0);
    const res = await call(`${svc.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers['x-instance-id']).toBe('svc-a');
    expect(res.body).toMatchObject({ status: 'ok', instance: 'svc-a' });
  });

  it('creates, reads, lists, replaces and deletes items', async () => {
    const created = await call(`${svc.url}/items`, {
      method: 'POST',
      body: { name: 'widget', data: { n: 1 } },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`/items/${id}`);
    expect(created.body).toMatchObject({ name: 'widget', data: { n: 1 }, version: 1, written_by: 'svc-a' });

    expect((await call(`${svc.url}/items/${id}`)).body).toMatchObject({ id, name: 'widget' });
    const list = await call(`${svc.url}/items`);
    expect((list.body.items as { id: string }[]).map((i) => i.id)).toContain(id);

    const replaced = await call(`${svc.url}/items/${id}`, { method: 'PUT', body: { name: 'gadget' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, name: 'gadget', version: 2 });
    const upserted = await call(`${svc.url}/items/chosen-id`, { method: 'PUT', body: { name: 'new' } });
    expect(upserted.status).toBe(201);

    expect((await call(`${svc.url}/items/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await call(`${svc.url}/items/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 404, code: 'FL_SERVICE_ITEM_NOT_FOUND' });
    expect((await call(`${svc.url}/items/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('replays a POST with the same Idempotency-Key instead of creating twice', async () => {
    const headers = { 'idempotency-key': 'key-1' };
    const first = await call(`${svc.url}/items`, { method: 'POST', body: { name: 'once' }, headers });
    const second = await call(`${svc.url}/items`, { method: 'POST', body: { name: 'once' }, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const other = await call(`${svc.url}/items`, {
      method: 'POST',
      body: { name: 'once' },
      headers: { 'idempotency-key': 'key-2' },
    });
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('answers bad input with a one-line JSON error', async () => {
    const notJson = await call(`${svc.url}/items`, { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ status: 400, code: 'FL_SERVICE_BAD_JSON' });
    const badItem = await call(`${svc.url}/items`, { method: 'POST', body: { name: 1 } });
    expect(badItem.status).toBe(400);
    expect(String(badItem.body.error)).toMatch(/^bad request body: name:/);
    expect((await call(`${svc.url}/slow?ms=-1`)).body).toMatchObject({
      status: 400,
      code: 'FL_SERVICE_BAD_PARAM',
    });
    expect((await call(`${svc.url}/nowhere`)).status).toBe(404);
    expect((await call(`${svc.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('GET /slow sleeps for ms', async () => {
    const started = performance.now();
    const res = await call(`${svc.url}/slow?ms=150`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slept_ms: 150, instance: 'svc-a' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('GET /work burns CPU for cpu_ms', async () => {
    const res = await call(`${svc.url}/work?cpu_ms=60`);
    expect(res.status).toBe(200);
    expect(res.body.took_ms as number).toBeGreaterThanOrEqual(60);
  });

  it('GET /dependency calls the local stub while CHAOS_MOCK_EXTERNAL is on', async () => {
    const res = await call(`${svc.url}/dependency`);
    expect(res.status).toBe(200);
    expect(res.body.dependency).toMatchObject({ source: 'external-stub' });
  });

  it('GET /admin/stats reports instance, requests, event-loop lag and RSS', async () => {
    const before = (await call(`${svc.url}/admin/stats`)).body as Record<string, number>;
    await call(`${svc.url}/healthz`);
    const after = (await call(`${svc.url}/admin/stats`)).body as Record<string, unknown>;
    expect(after).toMatchObject({ instance: 'svc-a', store: 'memory', draining: false });
    expect(after.requests as number).toBeGreaterThanOrEqual((before.requests as number) + 2);
    expect(after.rss_mb as number).toBeGreaterThan(10);
    expect(after.event_loop_lag_ms).toMatchObject({ p99: expect.any(Number), max: expect.any(Number) });
    expect(after.pid).toBe(svc.child.pid);
  });

  it('POST /admin/memory grows and releases its heap', async () => {
    const grown = await call(`${svc.url}/admin/memory`, { method: 'POST', body: { mb: 64 } });
    expect(grown.status).toBe(200);
    expect(grown.body.ballast_mb).toBe(64);
    expect(grown.body.heap_used_mb as number).toBeGreaterThanOrEqual(64);
    const released = await call(`${svc.url}/admin/memory`, { method: 'POST', body: { release: true } });
    expect(released.body.ballast_mb).toBe(0);
    expect((await call(`${svc.url}/admin/memory`, { method: 'POST', body: { mb: -1 } })).status).toBe(400);
  });

  it('POST /admin/cpu makes the event loop lag, and duty 0 stops it', async () => {
    await call(`${svc.url}/admin/cpu`, { method: 'POST', body: { duty: 0.9, ms: 5000 } });
    await call(`${svc.url}/healthz`);
    const stats = (await call(`${svc.url}/admin/stats`)).body as {
      cpu_load_active: boolean;
      event_loop_lag_ms: { max: number };
    };
    expect(stats.cpu_load_active).toBe(true);
    expect(stats.event_loop_lag_ms.max).toBeGreaterThanOrEqual(20);
    await call(`${svc.url}/admin/cpu`, { method: 'POST', body: { duty: 0 } });
    expect(
      ((await call(`${svc.url}/admin/stats`)).body as { cpu_load_active: boolean }).cpu_load_active,
    ).toBe(false);
  });

  it('POST /admin/health forces /healthz to fail and back', async () => {
    await call(`${svc.url}/admin/health`, { method: 'POST', body: { healthy: false } });
    expect((await call(`${svc.url}/healthz`)).status).toBe(503);
    await call(`${svc.url}/admin/health`, { method: 'POST', body: { healthy: null } });
    expect((await call(`${svc.url}/healthz`)).status).toBe(200);
  });
});

describe('reference service process: dependency, limits, shutdown', () => {
  let svc: SpawnedService | undefined;
  let stub: ExternalStub | undefined;

  afterEach(async () => {
    await killHard(svc);
    svc = undefined;
    await stub?.close();
    stub = undefined;
  });

  it('GET /dependency answers 504 when the dependency is slower than DEPENDENCY_TIMEOUT_MS, 502 when it fails', async () => {
    stub = await startExternalStub();
    svc = await spawnService({ EXTERNAL_URL: stub.url, DEPENDENCY_TIMEOUT_MS: '100' });
    expect((await call(`${svc.url}/dependency`)).status).toBe(200);
    stub.setMode({ delay_ms: 2000 });
    const started = performance.now();
    const slow = await call(`${svc.url}/dependency`);
    expect(slow.status).toBe(504);
    expect(slow.body).toMatchObject({ code: 'FL_SERVICE_DEPENDENCY_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(1900);
    stub.setMode({ delay_ms: 0, status: 500 });
    expect((await call(`${svc.url}/dependency`)).body).toMatchObject({
      status: 502,
      code: 'FL_SERVICE_DEPENDENCY_FAILED',
    });
    await stub.close();
    stub = undefined;
    expect((await call(`${svc.url}/dependency`)).status).toBe(502);
  });

  it('refuses a non-loopback EXTERNAL_URL while CHAOS_MOCK_EXTERNAL is on (exit 2)', async () => {
    await expect(spawnService({ EXTERNAL_URL: 'https://api.example.com/' })).rejects.toThrow(
      /exited \(2, null\)[\s\S]*EXTERNAL_URL: https:\/\/api\.example\.com\/ is not a loopback address/,
    );
    await expect(spawnService({ PORT: 'abc' })).rejects.toThrow(/invalid service config PORT/);
    await expect(spawnService({}, { args: ['--bogus', 'x'] })).rejects.toThrow(/exited \(2, null\)/);
  });

  it('flags override environment variables', async () => {
    svc = await spawnService({ INSTANCE_ID: 'from-env' }, { args: ['--instance-id', 'from-flag'] });
    expect((await call(`${svc.url}/healthz`)).headers['x-instance-id']).toBe('from-flag');
  });

  it('dies when /admin/memory grows the heap past --max-old-space-size', async () => {
    svc = await spawnService({}, { nodeArgs: ['--max-old-space-size=96'] });
    const growing = call(`${svc.url}/admin/memory`, { method: 'POST', body: { mb: 400 } }).catch(
      (err: Error) => err,
    );
    const exit = await svc.exited;
    expect(exit.code !== 0 || exit.signal !== null).toBe(true);
    expect(svc.output()).toMatch(/heap out of memory|Allocation failed/i);
    expect(await growing).toBeInstanceOf(Error);
  });

  it('drains on SIGTERM: in-flight requests finish, then exit 0', async () => {
    svc = await spawnService({ SHUTDOWN_TIMEOUT_MS: '3000' });
    const inflight = call(`${svc.url}/slow?ms=400`);
    // Wait until the request is really in flight before signalling.
    for (let i = 0; i < 100; i++) {
      const stats = (await call(`${svc.url}/admin/stats`)).body as { in_flight: number };
      if (stats.in_flight >= 2) break;
    }
    svc.child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(svc.output()).toContain('"event":"closed"');
  });
});
