import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { portOf } from '../proxy/helpers.js';

describe('http_status and http_latency toxics', () => {
  let upstream: Server;
  let server: ProxyServer;
  let client: Client;
  let served = 0;

  async function setup(seed = 7): Promise<void> {
    served = 0;
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        served++;
        res.end(`upstream ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    server = await startProxyServer({ port: 0, seed });
    const p = await server.createProxy({
      name: 'web',
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    // One keep-alive connection for every request: boundaries must be found inside the stream.
    client = new Client(`http://127.0.0.1:${portOf(p.listen)}`, { pipelining: 1 });
  }

  afterEach(async () => {
    await client?.close();
    await server?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('http_status answers every request itself on a keep-alive connection (bodies included)', async () => {
    await setup();
    const toxic = server.addToxic('web', {
      type: 'http_status',
      attributes: { status: 503, body: 'injected' },
    });
    expect(toxic.stream).toBe('upstream');
    expect(toxic.name).toBe('http_status_upstream');
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await client.request({
        method,
        path: '/x',
        body: method === 'GET' ? null : 'payload-'.repeat(100),
      });
      expect(res.statusCode).toBe(503);
      expect(await res.body.text()).toBe('injected');
    }
    expect(served).toBe(0);
    server.removeToxic('web', 'http_status_upstream');
    const res = await client.request({ method: 'POST', path: '/after', body: 'z' });
    expect(await res.body.text()).toBe('upstream POST /after');
    expect(served).toBe(1);
  });

  it('http_status toxicity is drawn per request (seeded)', async () => {
    await setup(11);
    server.addToxic('web', { type: 'http_status', toxicity: 0.5, attributes: { status: 500 } });
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await client.request({ method: 'GET', path: `/${i}` });
      await res.body.text();
      codes.push(res.statusCode);
    }
    const injected = codes.filter((c) => c === 500).length;
    expect(injected).toBeGreaterThan(5);
    expect(injected).toBeLessThan(35);
    expect(served).toBe(40 - injected);

    // Same seed, same sequence of connections and requests: the same draws.
    const replay = await startProxyServer({ port: 0, seed: 11 });
    try {
      const p = await replay.createProxy({
        name: 'web',
        upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      });
      replay.addToxic('web', { type: 'http_status', toxicity: 0.5, attributes: { status: 500 } });
      const again = new Client(`http://127.0.0.1:${portOf(p.listen)}`, { pipelining: 1 });
      const replayed: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await again.request({ method: 'GET', path: `/${i}` });
        await res.body.text();
        replayed.push(res.statusCode);
      }
      await again.close();
      expect(replayed).toEqual(codes);
    } finally {
      await replay.close();
    }
  });

  it('http_latency delays each request on a keep-alive connection', async () => {
    await setup();
    server.addToxic('web', { type: 'http_latency', attributes: { latency: 150 } });
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const res = await client.request({ method: 'POST', path: '/slow', body: 'b'.repeat(10_000) });
      expect(await res.body.text()).toBe('upstream POST /slow');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(150 - 2);
    }
  });

  it('rejects http toxics on the downstream stream', async () => {
    await setup();
    expect(() => server.addToxic('web', { type: 'http_status', stream: 'downstream' })).toThrow(
      'stream was invalid, can be either upstream or downstream: http_status only works on upstream',
    );
  });
});
