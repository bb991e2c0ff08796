import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** A real HTTP server on port 0 whose behaviour a test can change while it runs. */
export interface TestHttpServer {
  url: string;
  /** performance.now() of each request's arrival. */
  arrivals: number[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
): Promise<TestHttpServer> {
  const state = {
    arrivals: [] as number[],
    handler,
  };
  const server: Server = createServer((req, res) => {
    state.arrivals.push(performance.now());
    state.handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get arrivals() {
      return state.arrivals;
    },
    get handler() {
      return state.handler;
    },
    set handler(h) {
      state.handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface TestWsServer {
  url: string;
  received: number;
  wss: WebSocketServer;
  close(): Promise<void>;
}

/** A real WebSocket server on port 0; echoes unless `echo` is false. */
export async function startWsServer(echo = true): Promise<TestWsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const result: TestWsServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    received: 0,
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      result.received++;
      if (echo) ws.send(data);
    });
  });
  return result;
}
