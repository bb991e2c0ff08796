import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { CacheAnswer, OriginFetch, OriginResponse } from '../../../src/stack/cache/http-cache.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP origin on a free port that counts the requests it receives, per target. */
export class Origin {
  readonly received: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  handler: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end('default');
  };
  private readonly server = http.createServer((req, res) => {
    this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    this.handler(req, res);
  });
  port = 0;

  static async start(): Promise<Origin> {
    const o = new Origin();
    await new Promise<void>((r) => o.server.listen(0, '127.0.0.1', r));
    o.port = (o.server.address() as AddressInfo).port;
    return o;
  }

  count(url?: string): number {
    return url === undefined ? this.received.length : this.received.filter((r) => r.url === url).length;
  }

  /** An OriginFetch that sends the client's method and headers to this origin. */
  fetcher(method = 'GET', headers: Record<string, string> = {}): OriginFetch {
    return async (target: string): Promise<OriginResponse> => {
      const r = await request(`http://127.0.0.1:${this.port}${target}`, {
        method: method as 'GET',
        headers,
      });
      return { statusCode: r.statusCode, headers: r.headers, body: r.body as unknown as Readable };
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** An OriginFetch for an origin that is down (connection refused). */
export const downOrigin: OriginFetch = async () => {
  throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
};

export interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  outcome: CacheAnswer['outcome'];
}

export async function receive(answer: CacheAnswer): Promise<Received> {
  let body = '';
  if (Buffer.isBuffer(answer.body)) body = answer.body.toString();
  else if (answer.body instanceof Readable) {
    for await (const c of answer.body) body += (c as Buffer).toString();
  }
  return { status: answer.statusCode, headers: answer.headers, body, outcome: answer.outcome };
}
