import net from 'node:net';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from './helpers.js';

/**
 * Item 7: every bad input gets the right 4xx and a message naming the problem; the server stays
 * up and the proxy already running keeps carrying traffic through all of it.
 */
describe('bad input', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let upstream: string;
  let healthy: net.Socket;
  let taken: net.Server;
  let takenPort: number;

  beforeAll(async () => {
    echo = await echoServer();
    upstream = `127.0.0.1:${echo.port}`;
    server = await startProxyServer({ port: 0, seed: 5 });
    const p = await server.createProxy({ name: 'healthy', upstream });
    server.addToxic('healthy', { name: 'lat', type: 'latency', attributes: { latency: 1 } });
    healthy = await connect(portOf(p.listen));
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    healthy.destroy();
    await server.close();
    await echo.close();
    await new Promise((resolve) => taken.close(resolve));
  });

  const cases: {
    what: string;
    method: string;
    path: string;
    body: () => string;
    status: number;
    error: string;
  }[] = [
    {
      what: 'malformed JSON',
      method: 'POST',
      path: '/proxies',
      body: () => '{"name": "x",',
      status: 400,
      error: 'bad request body: ',
    },
    {
      what: 'an empty body',
      method: 'POST',
      path: '/proxies',
      body: () => '',
      status: 400,
      error: 'bad request body: EOF',
    },
    {
      what: 'a JSON array where an object is expected',
      method: 'POST',
      path: '/proxies',
      body: () => '[]',
      status: 400,
      error: 'bad request body: expected a JSON object',
    },
    {
      what: 'a missing name',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ upstream }),
      status: 400,
      error: 'missing required field: name',
    },
    {
      what: 'a missing upstream',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ name: 'x' }),
      status: 400,
      error: 'missing required field: upstream',
    },
    {
      what: 'a field of the wrong type',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ name: 'x', upstream, enabled: 'yes' }),
      status: 400,
      error: 'bad request body: enabled must be a boolean',
    },
    {
      what: 'an address without a port',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ name: 'x', upstream: 'localhost' }),
      status: 400,
      error: 'bad address: upstream "localhost" must be host:port',
    },
    {
      what: 'a duplicate proxy name',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ name: 'healthy', upstream }),
      status: 409,
      error: 'proxy already exists',
    },
    {
      what: 'a listen address already in use',
      method: 'POST',
      path: '/proxies',
      body: () => JSON.stringify({ name: 'clash', listen: `127.0.0.1:${takenPort}`, upstream }),
      status: 409,
      get error() {
        return `listen address already in use: 127.0.0.1:${takenPort}`;
      },
    },
    {
      what: 'an unknown proxy',
      method: 'POST',
      path: '/proxies/nope/toxics',
      body: () => JSON.stringify({ type: 'latency' }),
      status: 404,
      error: 'proxy not found',
    },
    {
      what: 'an unknown toxic type',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'lag' }),
      status: 400,
      error: 'invalid toxic type',
    },
    {
      what: 'a missing toxic type',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ attributes: {} }),
      status: 400,
      error: 'invalid toxic type',
    },
    {
      what: 'an unknown stream',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'latency', stream: 'sideways' }),
      status: 400,
      error: 'stream was invalid, can be either upstream or downstream',
    },
    {
      what: 'a negative attribute',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'latency', name: 'neg', attributes: { latency: -5 } }),
      status: 400,
      error: 'bad request body: attributes.latency: must be a non-negative integer',
    },
    {
      what: 'a non-integer attribute',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'bandwidth', attributes: { rate: 1.5 } }),
      status: 400,
      error: 'bad request body: attributes.rate: must be a non-negative integer',
    },
    {
      what: 'a string attribute',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'timeout', attributes: { timeout: '100' } }),
      status: 400,
      error: 'bad request body: attributes.timeout: must be a non-negative integer',
    },
    {
      what: 'an inconsistent slicer',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'slicer', attributes: { average_size: 10, size_variation: 10 } }),
      status: 400,
      error: 'bad request body: attributes.size_variation: must be smaller than average_size',
    },
    {
      what: 'a toxicity out of range',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'latency', toxicity: 1.5 }),
      status: 400,
      error: 'bad request body: toxicity must be a number between 0 and 1',
    },
    {
      what: 'a duplicate toxic name',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ name: 'lat', type: 'noop' }),
      status: 409,
      error: 'toxic already exists',
    },
    {
      what: 'a bad update of a toxic',
      method: 'PATCH',
      path: '/proxies/healthy/toxics/lat',
      body: () => JSON.stringify({ attributes: { latency: -1 } }),
      status: 400,
      error: 'bad request body: attributes.latency: must be a non-negative integer',
    },
    {
      what: 'an update of an unknown toxic',
      method: 'PATCH',
      path: '/proxies/healthy/toxics/ghost',
      body: () => JSON.stringify({ attributes: {} }),
      status: 404,
      error: 'toxic not found',
    },
    {
      what: 'a populate with an unnamed proxy',
      method: 'POST',
      path: '/populate',
      body: () => JSON.stringify([{ name: 'ok1', upstream }, { upstream }]),
      status: 400,
      error: 'missing required field: name at proxy 2',
    },
    {
      what: 'a toxic under an unknown lease',
      method: 'POST',
      path: '/proxies/healthy/toxics',
      body: () => JSON.stringify({ type: 'noop', lease: 'no-such-lease' }),
      status: 404,
      error: 'lease not found',
    },
    {
      what: 'a lease without ttl',
      method: 'POST',
      path: '/leases',
      body: () => JSON.stringify({}),
      status: 400,
      error: 'bad request body: ttl_ms must be a positive integer',
    },
    {
      what: 'an unknown route',
      method: 'GET',
      path: '/nothing-here',
      body: () => '',
      status: 404,
      error: 'not found',
    },
    {
      what: 'a wrong method',
      method: 'PUT',
      path: '/proxies',
      body: () => '{}',
      status: 405,
      error: 'method not allowed',
    },
  ];

  for (const c of cases) {
    it(`${c.what} → ${c.status}`, async () => {
      const res = await fetch(`${server.url}${c.path}`, {
        method: c.method,
        headers: { 'content-type': 'application/json' },
        ...(c.method === 'GET' ? {} : { body: c.body() }),
      });
      const json = (await res.json()) as { error: string; status: number };
      expect(res.status).toBe(c.status);
      expect(json.status).toBe(c.status);
      if (c.error.endsWith(': ')) expect(json.error.startsWith(c.error)).toBe(true);
      else expect(json.error).toBe(c.error);
      // The server is still up and the healthy proxy still carries traffic, its toxic intact.
      healthy.write('ok');
      expect((await readBytes(healthy, 2)).toString()).toBe('ok');
      expect(server.listToxics('healthy').map((t) => t.name)).toEqual(['lat']);
      expect(Object.keys(server.listProxies())).toEqual(['healthy']);
    });
  }
});
