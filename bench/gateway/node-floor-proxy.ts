/**
 * The floor of any Node.js gateway, for bench/gateway: the least a Node reverse proxy can do per
 * request (node:http server, one undici Pool per upstream with keep-alive, round robin, the
 * answer piped back) and nothing else: no policies, no health, no metrics, no header hygiene.
 * It is not a product; it shows how much of the gap to nginx is Node's own cost and how much is
 * Faultline's. Prints `{"event":"listening","port":N}` once listening.
 *
 *   node --import tsx bench/gateway/node-floor-proxy.ts <upstream port>...
 */
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { listenAnnounced } from '../support/listen-announced.js';

const pools = process.argv.slice(2).map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: 32 }));
if (pools.length === 0) {
  console.error('usage: node-floor-proxy <upstream port>...');
  process.exit(2);
}
let next = 0;
const server = createServer((req, res) => {
  const pool = pools[next++ % pools.length] as Pool;
  pool
    .request({ method: req.method as 'GET', path: req.url ?? '/', headers: { host: req.headers.host } })
    .then(async (up) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers))
        if (v !== undefined && k !== 'connection' && k !== 'keep-alive') headers[k] = v;
      res.writeHead(up.statusCode, headers);
      await pipeline(up.body, res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
listenAnnounced(server);
