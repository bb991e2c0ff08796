/**
 * The floor of any Node.js caching gateway, for bench/cache: the least a Node caching proxy can do
 * per hit (node:http server, a `Map` from URL to the stored status, headers and body, written back
 * with one `writeHead` + `end`) and nothing else: no freshness, no keys normalised, no integrity,
 * no metrics. A miss is fetched from the origin with undici and stored for ever. It is not a
 * product; it shows how much of the gap to nginx `proxy_cache` is Node's own cost and how much is
 * Faultline's. Prints `{"event":"listening","port":N}` once listening.
 *
 *   node --import tsx bench/cache/node-floor-cache.ts <origin port>
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { listenAnnounced } from '../support/listen-announced.js';

const originPort = process.argv[2];
if (!originPort) {
  console.error('usage: node-floor-cache <origin port>');
  process.exit(2);
}
const origin = new Pool(`http://127.0.0.1:${originPort}`, { connections: 32 });
const stored = new Map<
  string,
  { status: number; headers: Record<string, string | string[]>; body: Buffer }
>();

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const hit = stored.get(url);
  if (hit) {
    res.writeHead(hit.status, hit.headers);
    res.end(hit.body);
    return;
  }
  origin
    .request({ method: 'GET', path: url, headers: { host: req.headers.host } })
    .then(async (up) => {
      const body = Buffer.from(await up.body.arrayBuffer());
      const headers: Record<string, string | string[]> = { 'cache-status': 'node-floor; hit' };
      for (const [k, v] of Object.entries(up.headers))
        if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding')
          headers[k] = v;
      headers['content-length'] = String(body.length);
      if (up.statusCode === 200) stored.set(url, { status: 200, headers, body });
      res.writeHead(up.statusCode, { ...headers, 'cache-status': 'node-floor; miss' });
      res.end(body);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
listenAnnounced(server);
