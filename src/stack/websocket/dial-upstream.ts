import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { WebSocketUpstreamHost, WebSocketUpstreams } from './upstreams.js';

export interface DialOptions {
  path: string;
  protocols: string[];
  headers: Record<string, string>;
  connectTimeoutMs: number;
  maxAttempts: number;
}

export type DialResult<H> =
  | { ok: true; ws: WebSocket; host: H }
  | { ok: false; status: 502 | 503; message: string };

/**
 * Opens a WebSocket to a host of `upstreams`, trying up to `maxAttempts` distinct hosts: a refused or
 * failed handshake is recorded against the host (outlier detection) and the next host is tried.
 */
export async function dialUpstream<H extends WebSocketUpstreamHost>(
  upstreams: WebSocketUpstreams<H>,
  options: DialOptions,
): Promise<DialResult<H>> {
  const tried = new Set<H>();
  let lastError = 'no host tried';
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const host = upstreams.pick(tried);
    if (!host) {
      if (tried.size === 0)
        return { ok: false, status: 503, message: `no healthy upstream host in cluster ${upstreams.name}` };
      break;
    }
    tried.add(host);
    const url = `ws${host.origin.slice(4)}${options.path}`;
    try {
      const ws = await open(url, options);
      upstreams.record(host, 'success');
      return { ok: true, ws, host };
    } catch (err) {
      upstreams.record(host, 'gateway_failure');
      lastError = `${host.origin}: ${(err as Error).message}`;
    }
  }
  return { ok: false, status: 502, message: `upstream WebSocket handshake failed (${lastError})` };
}

function open(url: string, options: DialOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols, {
      handshakeTimeout: options.connectTimeoutMs,
      headers: options.headers,
      perMessageDeflate: false,
    });
    const onError = (err: Error): void => {
      ws.off('open', onOpen);
      ws.terminate();
      reject(err);
    };
    const onUnexpected = (_req: unknown, res: IncomingMessage): void => {
      res.resume();
      onError(new Error(`handshake answered ${res.statusCode}`));
    };
    const onOpen = (): void => {
      ws.off('error', onError);
      ws.off('unexpected-response', onUnexpected);
      resolve(ws);
    };
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('unexpected-response', onUnexpected);
  });
}
