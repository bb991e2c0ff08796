import { afterEach, describe, expect, it } from 'vitest';
import { createProxyCollection, type ProxyCollection } from '../../../src/chaos/proxy/index.js';
import { closed, connect, echoServer, portOf, readBytes, type TestServer, waitFor } from './helpers.js';

/** Later features put a proxy on every link: many proxies in one process, no HTTP API. */
describe('many proxies in one process', () => {
  let proxies: ProxyCollection;
  let echo: TestServer;
  afterEach(async () => {
    await proxies?.close();
    await echo?.close();
  });

  it('200 proxies, each with a toxic, carry traffic and close without leaving handles', async () => {
    echo = await echoServer();
    const tcpBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    proxies = createProxyCollection({ seed: 1 });
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        proxies.createProxy({
          name: `link-${i}`,
          upstream: `127.0.0.1:${echo.port}`,
          toxics: [{ type: 'latency', attributes: { latency: 1 } }],
        }),
      ),
    );
    expect(new Set(created.map((p) => p.listen)).size).toBe(200);
    await Promise.all(
      created.map(async (p, i) => {
        const s = await connect(portOf(p.listen));
        s.write(`hello ${i}`);
        expect((await readBytes(s, `hello ${i}`.length)).toString()).toBe(`hello ${i}`);
        s.end();
        await closed(s);
      }),
    );
    await waitFor(() => proxies.connectionCount() === 0, 10_000, 'connections to close');
    await proxies.close();
    expect(Object.keys(proxies.listProxies())).toEqual([]);
    // libuv releases a closed handle on a later loop turn than the close callback.
    const listeners = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    await waitFor(() => listeners() <= tcpBefore, 5000, 'listeners to be released');
  }, 30_000);
});
