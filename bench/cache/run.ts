/**
 * bench/cache: requests/s on a cache hit through Faultline's gateway (a route with `cache: {}`,
 * the memory tier; every hit verifies the entry's HMAC) beside nginx `proxy_cache` (Debian's, one
 * worker), both in front of the same origin, side by side in one run.
 *
 *   npx tsx bench/cache/run.ts [--seconds 5] [--connections 32] [--rounds 3] [--paths 16]
 *
 * wrk (closed loop, 1 thread, N connections) cycles over `--paths` cached pages (a Lua script);
 * rounds alternate the contenders. Both are warmed first and checked to answer from their cache
 * (gateway `Cache-Status: …; hit`, nginx `$upstream_cache_status` HIT), and the origin's request
 * count is checked not to grow during the measurement. Reports req/s per round, the median and
 * spread, and the gateway/nginx ratio per round (target ≥ 0.7). Every process runs on its own
 * free port and is killed at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../src/chaos/process/index.js';

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

const children: ChildProcess[] = [];
const tempDir = mkdtempSync(join(tmpdir(), 'faultline-bench-cache-'));
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    try {
      // nginx leads its own process group: the group takes its worker too.
      process.kill(child.spawnargs[0] === 'nginx' ? -child.pid : child.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(tempDir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function nodeEntry(module: string): string[] {
  const built = join('dist', `${module}.js`);
  return existsSync(built) ? [built] : ['--import', 'tsx', join('src', `${module}.ts`)];
}

function spawnUntilListening(cmd: string, argv: string[], env: Record<string, string> = {}): Promise<number> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { event?: string; port?: number };
          if (msg.event === 'listening' && msg.port) return resolve(msg.port);
        } catch {}
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code} before listening`)));
  });
}

function ensure(command: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' });
    return;
  } catch {}
  console.error(`${command} not found: installing Debian package ${pkg}`);
  execFileSync(
    'sh',
    ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`],
    {
      stdio: 'inherit',
    },
  );
}

async function startGateway(originPort: number): Promise<number> {
  const cfg = join(tempDir, 'gateway.json');
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
  return spawnUntilListening(process.execPath, [...nodeEntry('stack/gateway/main'), '--config', cfg]);
}

async function startNginx(originPort: number): Promise<number> {
  const port = await freePort();
  const prefix = join(tempDir, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  // As root, nginx's worker would otherwise run as nobody and could not write the cache in our 0700 temp dir.
  const cfg = join(prefix, 'nginx.conf');
  writeFileSync(
    cfg,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=60m use_temp_path=off;
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
  }
}
`,
  );
  children.push(
    spawn('nginx', ['-p', prefix, '-c', cfg, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    }),
  );
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      return port;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not start');
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
  const script = join(tempDir, 'paths.lua');
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
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-s', script, `http://127.0.0.1:${port}/`],
    {
      encoding: 'utf8',
    },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps, errors: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number): string => n.toFixed(n >= 100 ? 0 : 2);

async function main(): Promise<void> {
  ensure('nginx', 'nginx');
  ensure('wrk', 'wrk');
  const originPort = await spawnUntilListening(
    process.execPath,
    [...nodeEntry('suite/cache/content-origin-main')],
    {
      PORT: '0',
      CACHE_CONTROL: 'max-age=3600',
      CONTENT_SIZE: '1024',
    },
  );
  const gatewayPort = await startGateway(originPort);
  const nginxPort = await startNginx(originPort);
  await warm(gatewayPort, (cs) => /; hit\b/.test(cs));
  await warm(nginxPort, (cs) => cs === 'HIT');
  const before = await originRequests(originPort);

  const results: { gateway: number[]; nginx: number[]; ratio: number[] } = {
    gateway: [],
    nginx: [],
    ratio: [],
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['gateway', 'nginx'] : ['nginx', 'gateway'];
    const r: Record<string, number> = {};
    for (const who of order) {
      const { rps, errors } = wrk(who === 'gateway' ? gatewayPort : nginxPort);
      if (errors > 0) throw new Error(`${who}: ${errors} errors in round ${round}`);
      r[who] = rps;
    }
    results.gateway.push(r.gateway as number);
    results.nginx.push(r.nginx as number);
    results.ratio.push((r.gateway as number) / (r.nginx as number));
    console.log(
      `round ${round}: gateway ${fmt(r.gateway as number)} req/s, nginx ${fmt(r.nginx as number)} req/s, ratio ${fmt((r.gateway as number) / (r.nginx as number))}`,
    );
  }
  const after = await originRequests(originPort);
  if (after !== before)
    throw new Error(`the origin saw ${after - before} requests during the measurement: not all hits`);
  const line = (name: string, xs: number[]) =>
    `${name.padEnd(8)} median ${fmt(median(xs))}  min ${fmt(Math.min(...xs))}  max ${fmt(Math.max(...xs))}`;
  console.log(
    `\ncache hits, ${PATHS.length} pages of 1 KiB, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds`,
  );
  console.log(line('gateway', results.gateway));
  console.log(line('nginx', results.nginx));
  console.log(`${line('ratio', results.ratio)}  (target ≥ 0.7)`);
  console.log(`origin requests during the measurement: ${after - before}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench/cache: ${(err as Error).message}`);
    process.exit(1);
  },
);
