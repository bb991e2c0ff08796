import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { expect } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';

/** A real HTTP upstream answering "ok", behind one proxy of a real proxy server (port 0 everywhere). */
export interface ProxiedUpstream {
  /** The proxy server (HTTP API at `proxy.url`, in-process toxics). */
  proxy: ProxyServer;
  /** URL of the upstream through the proxy. */
  url: string;
  /** The upstream's own port (no proxy in between). */
  upstreamPort: number;
  /** Closes the proxy server, then the upstream (dropping its open connections). */
  close(): Promise<void>;
}

export async function startProxiedUpstream(proxyName: string, seed: number): Promise<ProxiedUpstream> {
  const upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  let proxy: ProxyServer;
  try {
    proxy = await startProxyServer({ port: 0, seed });
  } catch (err) {
    await closeServer(upstream);
    throw err;
  }
  const close = async (): Promise<void> => {
    await proxy.close();
    await closeServer(upstream);
  };
  try {
    const created = await proxy.createProxy({
      name: proxyName,
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${upstreamPort}`,
    });
    return { proxy, url: `http://${created.listen}/`, upstreamPort, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Time (ms) of one request on a fresh connection to `url`; the answer must be "ok". */
export async function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await request(url, { reset: true });
  expect(await res.body.text()).toBe('ok');
  return performance.now() - t0;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}
