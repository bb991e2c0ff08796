/**
 * bench/cache: requests/s on a cache hit through Faultline's gateway (a route with `cache: {}`,
 * the memory tier; every hit verifies the entry's HMAC) beside nginx `proxy_cache` (Debian's, one
 * worker), both in front of the same origin, side by side in one run.
 *
 *   npx tsx bench/cache/run.ts [--seconds 5] [--connections 32] [--rounds 3] [--paths 16]
 *
 * A third contender, `node-floor` (node-floor-cache.ts: a node:http server answering hits from a
 * `Map`, nothing else), splits the gap to nginx into Node's own cost and Faultline's.
 *
 * wrk (closed loop, 1 thread, N connections) cycles over `--paths` cached pages (a Lua script);
 * rounds rotate the contenders' order. Each is warmed first and checked to answer from its cache
 * (gateway `Cache-Status: …; hit`, nginx `$upstream_cache_status` HIT), and the origin's request
 * count is checked not to grow during the measurement. Reports req/s per round, the median and
 * spread, and per round the ratios gateway/nginx (target ≥ 0.7), node-floor/nginx and
 * gateway/node-floor. Every process runs on its own
 * free port and is killed at the end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchProcesses, ensureCommand, nodeEntry } from '../support/bench-processes.js';
import { median, runWrk } from '../support/wrk.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    paths: { type: 'string', default: '16' },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const PATHS = Array.from({ length: Number(args.paths) }, (_, i) => `/page/${i}`);

const bench = new BenchProcesses('cache');

async function startGateway(originPort: number): Promise<number> {
  const cfg = join(bench.tempDir, 'gateway.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      clusters: {
        origin: {
          hosts: [{ url: `http://127.0.0.1:${originPort}` }],
          connections: { maxPerHost: CONNECTIONS },
        },
      },
      routes: [
        {
          match: { pathPrefix: '/' },
          cluster: 'origin',
          cache: { integrity: { key: 'bench-cache-hmac-key-0123456789' } },
        },
      ],
    }),
  );
  return bench.spawnUntilListening(process.execPath, [...nodeEntry('stack/gateway/main'), '--config', cfg]);
}

function startNginx(originPort: number): Promise<number> {
  return bench.startNginx(
    (
      prefix,
      port,
    ) => `  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=60m use_temp_path=off;
  upstream origin { server 127.0.0.1:${originPort}; keepalive ${CONNECTIONS}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      proxy_cache_key $scheme$host$request_uri;
      proxy_cache_lock on;
      add_header Cache-Status $upstream_cache_status;
    }
  }`,
    '/healthz',
  );
}

async function originRequests(originPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${originPort}/healthz`);
  return ((await res.json()) as { requests: number }).requests;
}

/** Warms every path and checks the next answer for each comes from the cache. */
async function warm(port: number, hit: (cacheStatus: string) => boolean): Promise<void> {
  for (const p of PATHS) await (await fetch(`http://127.0.0.1:${port}${p}`)).arrayBuffer();
  for (const p of PATHS) {
    const res = await fetch(`http://127.0.0.1:${port}${p}`);
    await res.arrayBuffer();
    const cs = res.headers.get('cache-status') ?? '';
    if (res.status !== 200 || !hit(cs))
      throw new Error(`port ${port} ${p}: not a cache hit (${res.status} ${cs})`);
  }
}

function wrk(port: number): { rps: number; errors: number } {
  const script = join(bench.tempDir, 'paths.lua');
  writeFileSync(
    script,
    `local paths = { ${PATHS.map((p) => `"${p}"`).join(', ')} }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`,
  );
  return runWrk(`http://127.0.0.1:${port}/`, { connections: CONNECTIONS, seconds: SECONDS, script });
}

const fmt = (n: number): string => n.toFixed(n >= 100 ? 0 : 2);

async function main(): Promise<void> {
  if (!ensureCommand('nginx', 'nginx')) throw new Error('nginx is required (apt-get install nginx)');
  if (!ensureCommand('wrk', 'wrk')) throw new Error('wrk is required (apt-get install wrk)');
  const originPort = await bench.spawnUntilListening(
    process.execPath,
    [...nodeEntry('suite/cache/content-origin-main')],
    {
      PORT: '0',
      CACHE_CONTROL: 'max-age=3600',
      CONTENT_SIZE: '1024',
    },
  );
  const contenders: { name: Contender; port: number; hit: (cacheStatus: string) => boolean }[] = [
    { name: 'gateway', port: await startGateway(originPort), hit: (cs) => /; hit\b/.test(cs) },
    {
      name: 'node-floor',
      port: await bench.spawnUntilListening(process.execPath, [
        '--import',
        'tsx',
        join('bench', 'cache', 'node-floor-cache.ts'),
        String(originPort),
      ]),
      hit: (cs) => cs === 'node-floor; hit',
    },
    { name: 'nginx', port: await startNginx(originPort), hit: (cs) => cs === 'HIT' },
  ];
  for (const c of contenders) await warm(c.port, c.hit);
  const before = await originRequests(originPort);

  const results: Record<Contender, number[]> = { gateway: [], 'node-floor': [], nginx: [] };
  const ratios: Record<Ratio, number[]> = {
    'gateway/nginx': [],
    'node-floor/nginx': [],
    'gateway/node-floor': [],
  };
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate the order each round, so that no contender always runs first (or last) on a busy machine.
    const order = contenders.map(
      (_, i) => contenders[(i + round) % contenders.length] as (typeof contenders)[0],
    );
    const r = {} as Record<Contender, number>;
    for (const c of order) {
      const { rps, errors } = wrk(c.port);
      if (errors > 0) throw new Error(`${c.name}: ${errors} errors in round ${round}`);
      r[c.name] = rps;
      results[c.name].push(rps);
    }
    ratios['gateway/nginx'].push(r.gateway / r.nginx);
    ratios['node-floor/nginx'].push(r['node-floor'] / r.nginx);
    ratios['gateway/node-floor'].push(r.gateway / r['node-floor']);
    console.log(
      `round ${round}: ${contenders.map((c) => `${c.name} ${fmt(r[c.name])} req/s`).join(', ')}; ` +
        `gateway/nginx ${fmt(r.gateway / r.nginx)}, node-floor/nginx ${fmt(r['node-floor'] / r.nginx)}, ` +
        `gateway/node-floor ${fmt(r.gateway / r['node-floor'])}`,
    );
  }
  const after = await originRequests(originPort);
  if (after !== before)
    throw new Error(`the origin saw ${after - before} requests during the measurement: not all hits`);
  const line = (name: string, xs: number[]) =>
    `${name.padEnd(19)} median ${fmt(median(xs))}  min ${fmt(Math.min(...xs))}  max ${fmt(Math.max(...xs))}`;
  console.log(
    `\ncache hits, ${PATHS.length} pages of 1 KiB, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds`,
  );
  for (const c of contenders) console.log(line(c.name, results[c.name]));
  console.log(`${line('gateway/nginx', ratios['gateway/nginx'])}  (target ≥ 0.7)`);
  console.log(
    `${line('node-floor/nginx', ratios['node-floor/nginx'])}  (the most any one-process Node cache gets here)`,
  );
  console.log(
    `${line('gateway/node-floor', ratios['gateway/node-floor'])}  (what Faultline's cache costs over bare Node)`,
  );
  console.log(`origin requests during the measurement: ${after - before}`);
}

type Contender = 'gateway' | 'node-floor' | 'nginx';
type Ratio = 'gateway/nginx' | 'node-floor/nginx' | 'gateway/node-floor';

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench/cache: ${(err as Error).message}`);
    process.exit(1);
  },
);
