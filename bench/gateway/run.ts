/**
 * bench/gateway: requests/s and p99 straight to the reference service, through Faultline's
 * gateway, through nginx (Debian's, one worker, keep-alive to the same upstreams), and through
 * `node-floor` (node-floor-proxy.ts: the least a Node reverse proxy can do, the ceiling of any
 * Node gateway on this machine), side by side in one run.
 *
 *   npx tsx bench/gateway/run.ts [--seconds 5] [--connections 32] [--rounds 2] [--rates 1000,3000]
 *
 * 1. Saturation: wrk (closed loop, 1 thread, N connections) for each contender, rounds
 *    interleaved; requests/s and p99 are medians over rounds.
 * 2. Added latency at fixed rates: Faultline's open-loop load generator at half of the
 *    gateway's saturated rate, and at each `--rates` value, against each contender; p99 compared
 *    with the direct run. On a 2-core machine the generator itself needs most of a core at
 *    several thousand req/s, so the lower rates show the proxy's own cost best.
 * Every process runs on its own free port and is killed at the end.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLoad } from '../../src/chaos/load/index.js';
import { SeededRandom } from '../../src/common/rng.js';
import { BenchProcesses, ensureCommand, nodeEntry } from '../support/bench-processes.js';
import { median, runWrk, type WrkResult } from '../support/wrk.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    /** Extra open-loop rates (req/s, comma-separated) besides half of the gateway's saturation. */
    rates: { type: 'string', default: '1000,3000' },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const PATH = '/items?limit=10';
const UPSTREAMS = 2;

const bench = new BenchProcesses('gateway');

async function startGateway(upstreamPorts: number[]): Promise<number> {
  const cfg = join(bench.tempDir, 'gateway.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      clusters: {
        api: {
          hosts: upstreamPorts.map((p) => ({ url: `http://127.0.0.1:${p}` })),
          balancer: 'round_robin',
          connections: { maxPerHost: CONNECTIONS },
        },
      },
    }),
  );
  return bench.spawnUntilListening(process.execPath, [...nodeEntry('stack/gateway/main'), '--config', cfg]);
}

function startNginx(upstreamPorts: number[]): Promise<number> {
  return bench.startNginx(
    (_prefix, port) => `  upstream api {
    ${upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join(' ')}
    keepalive ${CONNECTIONS};
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`,
    PATH,
  );
}

function wrk(port: number): WrkResult {
  return runWrk(`http://127.0.0.1:${port}${PATH}`, { connections: CONNECTIONS, seconds: SECONDS });
}

async function openLoopP99(
  port: number,
  rate: number,
  seed: number,
): Promise<{ p99: number; errorRate: number }> {
  const run = startLoad(
    {
      kind: 'http',
      url: `http://127.0.0.1:${port}${PATH}`,
      method: 'GET',
      rate,
      duration_ms: SECONDS * 1000,
      timeout_ms: 5000,
      connections: CONNECTIONS,
    },
    { rng: new SeededRandom(seed), signal: new AbortController().signal, origin: performance.now() },
  );
  await run.done;
  const m = run.result([], { error_rate: 0.01, p99_ms: 1000 });
  return { p99: m.latency_ms.p99, errorRate: m.error_rate };
}

async function main(): Promise<void> {
  if (!ensureCommand('wrk', 'wrk')) throw new Error('wrk is required (apt-get install wrk)');
  const upstreamPorts: number[] = [];
  for (let i = 0; i < UPSTREAMS; i++) {
    upstreamPorts.push(
      await bench.spawnUntilListening(process.execPath, nodeEntry('service/main'), {
        PORT: '0',
        INSTANCE_ID: `bench-${i + 1}`,
        LOG_LEVEL: 'error',
      }),
    );
  }
  const contenders: { name: string; port: number }[] = [
    { name: 'direct', port: upstreamPorts[0]! },
    { name: 'faultline', port: await startGateway(upstreamPorts) },
    {
      name: 'node-floor',
      port: await bench.spawnUntilListening(process.execPath, [
        '--import',
        'tsx',
        join('bench', 'gateway', 'node-floor-proxy.ts'),
        ...upstreamPorts.map(String),
      ]),
    },
  ];
  if (ensureCommand('nginx', 'nginx'))
    contenders.push({ name: 'nginx', port: await startNginx(upstreamPorts) });
  else console.error('nginx unavailable: its column is skipped');

  // Warm up every path (JIT, keep-alive pools) before measuring.
  for (const c of contenders)
    execFileSync('wrk', ['-t1', '-c8', '-d1s', `http://127.0.0.1:${c.port}${PATH}`]);

  const sat = new Map(contenders.map((c) => [c.name, [] as WrkResult[]]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of contenders) sat.get(c.name)!.push(wrk(c.port));
    console.error(`saturation round ${round}/${ROUNDS} done`);
  }
  const summary = (name: string) => {
    const rs = sat.get(name)!;
    return {
      rps: median(rs.map((r) => r.rps)),
      p99: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
    };
  };

  const halfRate = Math.max(50, Math.floor(summary('faultline').rps / 2));
  const rates = [halfRate, ...(args.rates ?? '').split(',').filter(Boolean).map(Number)];
  const openLoop = new Map<number, Map<string, { p99: number; errorRate: number }>>();
  for (const rate of rates) {
    const byContender = new Map<string, { p99: number; errorRate: number }>();
    for (const c of contenders) byContender.set(c.name, await openLoopP99(c.port, rate, 42));
    openLoop.set(rate, byContender);
  }

  console.log(
    `\nbench/gateway — GET ${PATH}, ${UPSTREAMS} reference-service upstreams, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds (medians)`,
  );
  console.log(
    `contender    req/s (sat.)  p99 ms (sat.)  errors${rates.map((r) => `p99 ms @ ${r}/s`.padStart(18)).join('')}   (open loop)`,
  );
  for (const c of contenders) {
    const s = summary(c.name);
    const cells = rates.map((r) => openLoop.get(r)!.get(c.name)!.p99.toFixed(2).padStart(18)).join('');
    console.log(
      `${c.name.padEnd(12)} ${s.rps.toFixed(0).padStart(12)} ${s.p99.toFixed(2).padStart(14)} ${String(s.errors).padStart(7)}${cells}`,
    );
  }
  if ([...openLoop.values()].some((m) => [...m.values()].some((v) => v.errorRate > 0))) {
    console.log('(some open-loop runs had errors or drops: the generator or the machine was saturated)');
  }
  const ours = summary('faultline');
  console.log('\nratios');
  if (sat.has('nginx')) {
    console.log(
      `faultline req/s / nginx req/s: ${(ours.rps / summary('nginx').rps).toFixed(2)} (target >= 0.70)`,
    );
    console.log(
      `node-floor req/s / nginx req/s: ${(summary('node-floor').rps / summary('nginx').rps).toFixed(2)} (the most any one-process Node gateway gets here)`,
    );
  }
  console.log(
    `faultline req/s / node-floor req/s: ${(ours.rps / summary('node-floor').rps).toFixed(2)} (what Faultline's policies cost over bare Node)`,
  );
  console.log(`faultline req/s / direct req/s: ${(ours.rps / summary('direct').rps).toFixed(2)}`);
  for (const rate of rates) {
    const m = openLoop.get(rate)!;
    const added = (name: string): string => (m.get(name)!.p99 - m.get('direct')!.p99).toFixed(2);
    const label = rate === halfRate ? `${rate} req/s (half of the gateway's saturation)` : `${rate} req/s`;
    console.log(
      `added p99 at ${label}: faultline ${added('faultline')} ms${m.has('nginx') ? `, nginx ${added('nginx')} ms` : ''} (target < 1 ms at half saturation)`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench/gateway: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
