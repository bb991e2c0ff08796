/**
 * The system under soak, in its own process so that its figures are its own: an upstream, the
 * fault proxy in front of it (API + one TCP proxy) and the gateway in front of the proxy. Started
 * by bench/soak/run.ts over IPC: it sends `{event:"ready",…}`, answers each `"sample"` with its
 * figures and exits on `"stop"`.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startProxyServer } from '../../src/chaos/proxy/index.js';
import { startGateway } from '../../src/stack/gateway/index.js';

/** One sample of the process: memory in bytes, descriptors, event-loop lag in ms. */
export interface SystemSample {
  rss: number;
  heapUsed: number;
  fds: number;
  sockets: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

const upstream = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  req.on('end', () => {
    const send = (status: number): void => {
      const body = JSON.stringify({ path: req.url, bytes, items: [1, 2, 3, 4, 5, 6, 7, 8] });
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.url?.startsWith('/slow')) setTimeout(() => send(200), 50);
    else send(200);
  });
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamPort = (upstream.address() as AddressInfo).port;

const proxy = await startProxyServer({ port: 0, seed: 14 });
const link = await proxy.createProxy({
  name: 'upstream',
  listen: '127.0.0.1:0',
  upstream: `127.0.0.1:${upstreamPort}`,
});
const gateway = await startGateway({
  clusters: {
    api: {
      hosts: [{ url: `http://${link.listen}` }],
      timeouts: { connectMs: 500, perTryMs: 1000, overallMs: 3000 },
      retry: { maxRetries: 1 },
      health: { outlier: false },
      connections: { maxPerHost: 64, queueTimeoutMs: 500 },
    },
  },
  seed: 14,
});

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

function sample(): SystemSample {
  const fds = readdirSync('/proc/self/fd');
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {}
  }
  const memory = process.memoryUsage();
  const out = {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    fds: fds.length,
    sockets,
    lagP99Ms: lag.percentile(99) / 1e6,
    lagMaxMs: lag.max / 1e6,
  };
  lag.reset();
  return out;
}

process.on('message', (message: string) => {
  if (message === 'sample') process.send?.({ event: 'sample', sample: sample() });
  if (message === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ event: 'gc' });
  }
  if (message === 'stop') {
    void (async () => {
      await gateway.close({ drain: false });
      await proxy.close();
      upstream.closeAllConnections();
      upstream.close();
      process.exit(0);
    })();
  }
});
process.send?.({ event: 'ready', gateway: gateway.url, proxyApi: proxy.url });
