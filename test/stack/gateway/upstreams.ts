import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a test upstream does with one request; `name` is the upstream's own name. */
export type UpstreamBehaviour = (req: http.IncomingMessage, res: http.ServerResponse, name: string) => void;

export const answerWithName: UpstreamBehaviour = (req, res, name) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
    res.end(name);
  });
};

/** A real HTTP server on 127.0.0.1:0 whose behaviour a test can swap at any time. */
export class TestUpstream {
  readonly server: http.Server;
  behaviour: UpstreamBehaviour;
  /** Every request seen, in order: method, url and headers. */
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  healthStatus = 200;
  port = 0;

  constructor(
    readonly name: string,
    behaviour: UpstreamBehaviour = answerWithName,
  ) {
    this.behaviour = behaviour;
    this.server = http.createServer((req, res) => {
      if (req.url === '/healthz') {
        req.resume();
        res.writeHead(this.healthStatus).end();
        return;
      }
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      this.behaviour(req, res, this.name);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get requests(): number {
    return this.seen.length;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startUpstreams(
  names: string[],
  behaviour?: UpstreamBehaviour,
): Promise<TestUpstream[]> {
  return Promise.all(names.map((n) => new TestUpstream(n, behaviour).start()));
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no agent), body read to the end. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resolves with the first event that matches; the listener is removed after. */
export function nextEvent<T>(
  subscribe: (listener: (e: T) => void) => { dispose(): void },
  match: (e: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = subscribe((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}
