import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import WebSocket, { WebSocketServer } from 'ws';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import type { GatewayConfigInput } from '../../../src/stack/gateway/gateway-config.js';
import type { WebSocketConfigInput } from '../../../src/stack/websocket/websocket-config.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
export const SECRET = 'test-secret-0123456789abcdef';

/** One upstream connection as the test upstream saw it. */
export interface UpstreamConn {
  ws: WebSocket;
  headers: http.IncomingHttpHeaders;
  url: string;
  /** Every message received, as text. */
  received: string[];
}

/**
 * A real `ws` upstream on 127.0.0.1:0 (plus GET /healthz). A message `echo:x` is answered `x`;
 * `push:N` is answered with N messages `<prefix>1 … <prefix>N`; the test can also send on any
 * connection itself.
 */
export class WsUpstream {
  readonly server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
  readonly wss = new WebSocketServer({ server: this.server, handleProtocols: (p) => [...p][0] ?? false });
  readonly conns: UpstreamConn[] = [];
  port = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly name: string) {
    this.wss.on('connection', (ws, req) => {
      const conn: UpstreamConn = { ws, headers: req.headers, url: req.url ?? '', received: [] };
      this.conns.push(conn);
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        conn.received.push(text);
        if (text.startsWith('echo:')) ws.send(text.slice(5));
        else if (text.startsWith('push:')) {
          const n = Number(text.slice(5));
          for (let i = 1; i <= n; i++) ws.send(`${this.name}-${i}`);
        }
      });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once `n` connections have been seen in total. */
  async connections(n: number): Promise<UpstreamConn[]> {
    while (this.conns.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.conns;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => (this.server.listening ? this.server.close(() => r()) : r()));
  }
}

/** A key prefix of this test run's own in db 15; `cleanup` deletes its keys (never FLUSHDB). */
export function testPrefix(): { prefix: string; cleanup: () => Promise<void> } {
  const prefix = `fl:test:ws:${process.pid}-${Math.floor(Math.random() * 1e9)}:`;
  return {
    prefix,
    cleanup: async () => {
      const r = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await r.del(...keys);
      } while (cursor !== '0');
      await r.quit();
    },
  };
}

export function gatewayConfig(
  upstreams: WsUpstream[],
  websocket: WebSocketConfigInput,
  extra: Partial<GatewayConfigInput> = {},
): GatewayConfigInput {
  return {
    clusters: {
      ws: {
        hosts: upstreams.map((u) => ({ url: u.url })),
        balancer: 'round_robin',
        health: { outlier: false },
      },
    },
    websocket,
    seed: 7,
    ...extra,
  } as GatewayConfigInput;
}

export function wsUrl(gateway: Gateway, path = '/'): string {
  return `ws://127.0.0.1:${gateway.port}${path}`;
}

/** Opens a plain `ws` client and resolves on open (rejects on a refused handshake, with the status). */
export function openPlain(
  url: string,
  options: WebSocket.ClientOptions = {},
  protocols: string[] = [],
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`status ${res.statusCode}`), {
            status: res.statusCode,
            headers: res.headers,
            body,
          }),
        ),
      );
    });
    ws.once('error', reject);
  });
}

/** Resolves with the next `n` messages of `ws` as text. */
export function nextMessages(ws: WebSocket, n: number): Promise<string[]> {
  return new Promise((resolve) => {
    const got: string[] = [];
    const on = (d: Buffer): void => {
      got.push(d.toString());
      if (got.length === n) {
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
  });
}

/** Resolves with the close code and reason. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

export { startGateway };

/** Waits until `check()` is true, polling every 5 ms; throws after `timeoutMs` (never hangs). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
