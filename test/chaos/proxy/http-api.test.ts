import { fetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from './helpers.js';

describe('HTTP API (Toxiproxy 2.x compatible)', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let upstream: string;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };

  beforeEach(async () => {
    echo = await echoServer();
    upstream = `127.0.0.1:${echo.port}`;
    server = await startProxyServer({ port: 0, seed: 3 });
  });
  afterEach(async () => {
    await server.close();
    await echo.close();
  });

  it('creates, shows, lists, updates and deletes proxies with Toxiproxy statuses and defaults', async () => {
    const created = await call('POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name: 'redis',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream,
      enabled: true,
      toxics: [],
    });
    expect(portOf(created.json.listen)).toBeGreaterThan(0);
    expect(Object.keys(created.json)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);

    expect((await call('GET', '/proxies/redis')).json).toEqual(created.json);
    const all = await call('GET', '/proxies');
    expect(all.status).toBe(200);
    expect(all.json).toEqual({ redis: created.json });

    const down = await call('POST', '/proxies/redis', { enabled: false });
    expect(down.status).toBe(200);
    expect(down.json.enabled).toBe(false);
    const up = await call('PATCH', '/proxies/redis', { enabled: true });
    expect(up.json.enabled).toBe(true);
    expect(up.json.listen).toBe(created.json.listen);

    const del = await call('DELETE', '/proxies/redis');
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call('GET', '/proxies/redis')).status).toBe(404);
  });

  it('creates toxics with defaults, lists, shows, merges updates and deletes them', async () => {
    await call('POST', '/proxies', { name: 'p', upstream });
    const t = await call('POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 10 } });
    expect(t.status).toBe(200);
    expect(t.json).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 10, jitter: 0 },
    });
    const up = await call('POST', '/proxies/p/toxics', {
      type: 'bandwidth',
      stream: 'upstream',
      attributes: {},
    });
    expect(up.json.name).toBe('bandwidth_upstream');
    expect(up.json.attributes).toEqual({ rate: 0 });

    const list = await call('GET', '/proxies/p/toxics');
    expect(list.json.map((x: { name: string }) => x.name)).toEqual([
      'bandwidth_upstream',
      'latency_downstream',
    ]);
    expect((await call('GET', '/proxies/p/toxics/latency_downstream')).json).toEqual(t.json);

    const patched = await call('PATCH', '/proxies/p/toxics/latency_downstream', {
      attributes: { jitter: 5 },
      toxicity: 0.5,
      stream: 'upstream', // ignored, as in Toxiproxy
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      stream: 'downstream',
      toxicity: 0.5,
      attributes: { latency: 10, jitter: 5 },
    });
    const posted = await call('POST', '/proxies/p/toxics/latency_downstream', {
      attributes: { latency: 20 },
    });
    expect(posted.json.attributes).toEqual({ latency: 20, jitter: 5 });

    expect((await call('GET', '/proxies/p')).json.toxics).toHaveLength(2);
    expect((await call('DELETE', '/proxies/p/toxics/latency_downstream')).status).toBe(204);
    expect((await call('GET', '/proxies/p/toxics/latency_downstream')).json).toEqual({
      error: 'toxic not found',
      status: 404,
    });
  });

  it('answers /version, /reset and /populate like Toxiproxy', async () => {
    const v = await call('GET', '/version');
    expect(v.status).toBe(200);
    expect(v.json).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });

    const pop = await call('POST', '/populate', [
      { name: 'a', listen: '127.0.0.1:0', upstream },
      { name: 'b', upstream, enabled: false },
    ]);
    expect(pop.status).toBe(201);
    expect(pop.json.proxies.map((p: { name: string; enabled: boolean }) => [p.name, p.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const aListen = pop.json.proxies[0].listen;
    await call('POST', '/proxies/a/toxics', { type: 'noop' });
    // Same listen (port 0 again) and upstream: kept as is, toxics included.
    const again = await call('POST', '/populate', [{ name: 'a', listen: '127.0.0.1:0', upstream }]);
    expect(again.json.proxies[0].listen).toBe(aListen);
    expect(again.json.proxies[0].toxics).toHaveLength(1);

    const reset = await call('POST', '/reset');
    expect(reset.status).toBe(204);
    const after = await call('GET', '/proxies');
    expect(after.json.a.toxics).toEqual([]);
    expect(after.json.b.enabled).toBe(true);
  });

  it('sends X-Toxiproxy-Request-Id on every response and 403s browsers', async () => {
    const ok = await call('GET', '/proxies');
    const err = await call('GET', '/proxies/missing');
    const ids = [ok.headers.get('x-toxiproxy-request-id'), err.headers.get('x-toxiproxy-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const browser = await call('GET', '/proxies', undefined, {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
    });
    expect(browser.status).toBe(403);
    expect(browser.json).toEqual({ error: 'User agent not allowed', status: 403 });
    expect(browser.headers.get('x-toxiproxy-request-id')).toMatch(/^[0-9a-f]{20}$/);
  });

  it('GET /metrics reports bytes, connections and toxics per proxy in Prometheus text', async () => {
    const p = await call('POST', '/proxies', { name: 'm', upstream });
    await call('POST', '/proxies/m/toxics', { type: 'noop' });
    const s = await connect(portOf(p.json.listen));
    s.write('12345');
    await readBytes(s, 5);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('faultline_proxy_received_bytes_total{proxy="m",direction="upstream"} 5');
    expect(text).toContain('faultline_proxy_sent_bytes_total{proxy="m",direction="downstream"} 5');
    expect(text).toContain('faultline_proxy_connections_total{proxy="m"} 1');
    expect(text).toContain('faultline_proxy_connections{proxy="m"} 1');
    expect(text).toContain('faultline_proxy_toxics{proxy="m"} 1');
    s.destroy();
  });

  it('creates a proxy with its toxics atomically (Faultline extension)', async () => {
    const ok = await call('POST', '/proxies', {
      name: 'withToxics',
      upstream,
      toxics: [
        { type: 'latency', attributes: { latency: 5 } },
        { type: 'limit_data', stream: 'upstream', attributes: { bytes: 10 } },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.json.toxics.map((t: { name: string }) => t.name)).toEqual([
      'limit_data_upstream',
      'latency_downstream',
    ]);
    const bad = await call('POST', '/proxies', {
      name: 'nope',
      upstream,
      toxics: [{ type: 'latency' }, { type: 'latency', attributes: { latency: -1 } }],
    });
    expect(bad.status).toBe(409);
    expect(bad.json.error).toBe('toxic already exists: toxics[1]');
    const bad2 = await call('POST', '/proxies', {
      name: 'nope',
      upstream,
      toxics: [{ name: 'x', type: 'latency', attributes: { latency: 1.5 } }],
    });
    expect(bad2.json).toEqual({
      error: 'bad request body: toxics[0]: attributes.latency: must be a non-negative integer',
      status: 400,
    });
    expect((await call('GET', '/proxies/nope')).status).toBe(404);
  });
});
