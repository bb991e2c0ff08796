import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * The reference WebSocket upstream (scenarios, benches, examples): per connection,
 * - `push:<ms>` starts pushing `p:1`, `p:2`, … every `ms` (0 < ms ≤ 60000);
 * - `stop` stops pushing and answers `end:<last n pushed>`;
 * - `echo:<x>` answers `x`; anything else is echoed as is.
 * GET /healthz answers 200 (for the gateway's active checks).
 */
export interface TickerUpstream {
  readonly port: number;
  readonly url: string;
  /** Open connections. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTickerUpstream(
  options: { port?: number; host?: string } = {},
): Promise<TickerUpstream> {
  const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let n = 0;
    let timer: NodeJS.Timeout | undefined;
    ws.on('error', () => {});
    ws.on('close', () => clearInterval(timer));
    ws.on('message', (data, binary) => {
      const text = binary ? '' : data.toString();
      if (text.startsWith('push:')) {
        const ms = Number(text.slice(5));
        if (!(ms > 0 && ms <= 60_000) || timer) return;
        timer = setInterval(() => ws.send(`p:${++n}`), ms);
      } else if (text === 'stop') {
        clearInterval(timer);
        timer = undefined;
        ws.send(`end:${n}`);
      } else if (text.startsWith('echo:')) ws.send(text.slice(5));
      else ws.send(data, { binary });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}`,
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
