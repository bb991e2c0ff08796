import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The origin of the cache scenarios: deterministic, cacheable content, and careless in the ways
 * real frameworks are, so that a cache that lets an attack through gets poisoned for real:
 * - `X-Forwarded-Host` goes into absolute links (Kettle 2018), `X-Forwarded-Scheme`/`-Proto`
 *   other than http redirect (301, cacheable);
 * - `X-Original-URL` / `X-Rewrite-URL` replace the path (Symfony, IIS);
 * - `X-HTTP-Method-Override: DELETE` answers as if deleted (Express method-override);
 * - the query is split on `&` **and** `;` and the last value wins (parameter cloaking), and a
 *   GET body's form parameters override the query (fat GET);
 * - request headers over 2 KiB get a cacheable 400 (CPDoS "header oversize").
 *
 * Every genuine answer is `genuineBody(path)`, so any client can tell a poisoned body.
 */
export interface ContentOriginOptions {
  /** `Cache-Control` of content answers. @default 'max-age=300, stale-if-error=600' */
  cacheControl?: string;
  /** Bytes of content per page. @default 4096 */
  size?: number;
}

const HOST = 'content.test';

/** The body every client must get for `path` (path + sorted query, origin-form). */
export function genuineBody(path: string, size = 4096): string {
  const seed = createHash('sha256').update(path).digest('hex');
  const filler = seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
  return `<a href="http://${HOST}${path}">${path}</a>\n${filler}`;
}

/** The JSONP body for `callback`. */
export function genuineScript(callback: string): string {
  return `${callback}({"ok":true});`;
}

/** Query parameters as a careless framework reads them: `&` and `;` both separate; last wins. */
function looseParams(query: string, body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const source of [query, body]) {
    for (const part of source.split(/[&;]/)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decodeURIComponent(eq === -1 ? part : part.slice(0, eq));
      params.set(name, decodeURIComponent(eq === -1 ? '' : part.slice(eq + 1)));
    }
  }
  return params;
}

export function createContentOrigin(options: ContentOriginOptions = {}): http.Server {
  const cacheControl = options.cacheControl ?? 'max-age=300, stale-if-error=600';
  const size = options.size ?? 4096;
  let requests = 0;
  return http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.url ?? '/';
      if (target === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests }));
        return;
      }
      requests++;
      const cacheable = { 'cache-control': cacheControl };
      const headerBytes = req.rawHeaders.reduce((n, h) => n + h.length, 0);
      if (headerBytes > 2048) {
        res.writeHead(400, { 'content-type': 'text/plain', ...cacheable }).end('header too large');
        return;
      }
      const override = req.headers['x-original-url'] ?? req.headers['x-rewrite-url'];
      const effective = typeof override === 'string' ? override : target;
      const q = effective.indexOf('?');
      const path = q === -1 ? effective : effective.slice(0, q);
      const query = q === -1 ? '' : effective.slice(q + 1);
      const scheme = req.headers['x-forwarded-scheme'] ?? req.headers['x-forwarded-proto'];
      if (scheme !== undefined && scheme !== 'http') {
        res.writeHead(301, { location: `https://${req.headers.host}${target}`, ...cacheable }).end();
        return;
      }
      if (String(req.headers['x-http-method-override'] ?? '').toUpperCase() === 'DELETE') {
        res.writeHead(200, { 'content-type': 'text/html', ...cacheable }).end('deleted');
        return;
      }
      if (path === '/js') {
        const cb = looseParams(query, Buffer.concat(chunks).toString()).get('callback') ?? 'cb';
        res.writeHead(200, { 'content-type': 'application/javascript', ...cacheable }).end(genuineScript(cb));
        return;
      }
      if (path === '/binary') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...cacheable }).end('binary');
        return;
      }
      if (path === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain', ...cacheable }).end('b'.repeat(2 * 1024 * 1024));
        return;
      }
      if (path === '/bad-cache-control') {
        res
          .writeHead(200, { 'content-type': 'text/html', 'cache-control': 'max-age=60, max-age=0' })
          .end('x');
        return;
      }
      const forwardedHost = req.headers['x-forwarded-host'];
      let page = genuineBody(effective, size);
      if (typeof forwardedHost === 'string') page = page.replace(`http://${HOST}`, `http://${forwardedHost}`);
      res.writeHead(200, { 'content-type': 'text/html', ...cacheable }).end(page);
    });
  });
}

/** Starts the origin; resolves with its port. */
export async function listenContentOrigin(
  server: http.Server,
  port: number,
  host = '127.0.0.1',
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
