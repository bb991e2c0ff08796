import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from './helpers.js';

/** The npm client `toxiproxy-node-client` (which we did not write) drives our server unchanged. */
describe('driven by toxiproxy-node-client', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let client: Toxiproxy;

  beforeEach(async () => {
    echo = await echoServer();
    server = await startProxyServer({ port: 0, seed: 8 });
    client = new Toxiproxy(server.url);
  });
  afterEach(async () => {
    await server.close();
    await echo.close();
  });

  it('creates a proxy, adds, reads, updates and removes a toxic that acts on real traffic', async () => {
    const proxy = await client.createProxy({
      name: 'svc',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    expect(proxy.name).toBe('svc');
    expect(proxy.enabled).toBe(true);
    const port = portOf(proxy.listen);
    const s = await connect(port);
    const rtt = async (): Promise<number> => {
      const t0 = performance.now();
      s.write('x');
      await readBytes(s, 1);
      return performance.now() - t0;
    };

    const toxic = await proxy.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 200, jitter: 0 },
    });
    expect(toxic.toJson()).toEqual({
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 200, jitter: 0 },
    });
    expect(await rtt()).toBeGreaterThanOrEqual(200 - 2);

    const fetched = await proxy.getToxic<{ latency: number; jitter: number }>('slow');
    expect(fetched.attributes.latency).toBe(200);
    const updated = await fetched.update({ ...fetched.toJson(), attributes: { latency: 300, jitter: 0 } });
    expect(updated.attributes.latency).toBe(300);
    expect(await rtt()).toBeGreaterThanOrEqual(300 - 2);

    await updated.remove();
    expect(await rtt()).toBeLessThan(200);
    s.destroy();
  });

  it('lists, populates, disables, resets and reads the version', async () => {
    const proxies = await client.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` },
      { name: 'b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` },
    ]);
    expect(Object.keys(proxies).sort()).toEqual(['a', 'b']);
    const all = await client.getAll();
    expect(Object.keys(all).sort()).toEqual(['a', 'b']);

    const a = await client.get('a');
    const down = await a.update({ enabled: false, listen: a.listen, upstream: a.upstream });
    expect(down.enabled).toBe(false);
    await expect(connect(portOf(a.listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await client.reset();
    expect((await client.get('a')).enabled).toBe(true);
    const s = await connect(portOf(a.listen));
    s.write('back');
    expect((await readBytes(s, 4)).toString()).toBe('back');
    s.destroy();

    expect(JSON.parse(await client.getVersion())).toEqual({ version: expect.any(String) });
    await (await client.get('b')).remove();
    expect(Object.keys(await client.getAll())).toEqual(['a']);
  });

  it('surfaces our errors as the client expects them (non-2xx → ToxiproxyError)', async () => {
    await expect(client.get('missing')).rejects.toBeInstanceOf(ToxiproxyError);
    await expect(client.get('missing')).rejects.toThrow('Request failed with status code 404');
    const proxy = await client.createProxy({
      name: 'x',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    await expect(
      proxy.addToxic({
        name: 't',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: -1 },
      }),
    ).rejects.toThrow('status code 400');
  });
});
