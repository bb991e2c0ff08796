/**
 * bench/soak: does anything leak? Mixed load through the gateway and the fault proxy for a long
 * while, faults injected and reverted on a timer, and the system's figures sampled throughout.
 * A script, not a test.
 *
 *   npx tsx bench/soak/run.ts [--minutes 10] [--warmup 60] [--rate 200] [--sample 10] [--fault-every 30]
 *
 * - The system under test (bench/soak/system.ts) runs in its own process: an upstream, the fault
 *   proxy (API + one TCP proxy) in front of it, the gateway in front of the proxy.
 * - Load (from this process, open loop at `--rate` req/s, at most 256 in flight): 60 % GET, 20 %
 *   POST with a 1 KiB body, 10 % GET of a 50 ms page, 10 % GET on a fresh connection
 *   (`Connection: close`), so that connections churn.
 * - Every `--fault-every` seconds a fault is injected through the proxy's HTTP API, and reverted
 *   half-way to the next: latency 200 ms, a timeout toxic (the gateway's per-try timeout and
 *   retry), reset_peer, bandwidth 64 KiB/s, in turn.
 * - Every `--sample` seconds the system reports RSS, heap (after a forced GC), open descriptors,
 *   sockets and event-loop lag (p99, max). After the warm-up, the RSS and heap slopes (least
 *   squares, MiB/min) and the RSS growth are printed; after the load stops and idle keep-alive
 *   connections have timed out, descriptors and sockets are compared with the baseline taken
 *   before the load.
 * Targets: RSS growth under 5 % after warm-up; descriptors and sockets back to the baseline.
 * Exit 0 when both hold, 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import type { SystemSample } from './system.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '60' },
    rate: { type: 'string', default: '200' },
    sample: { type: 'string', default: '10' },
    'fault-every': { type: 'string', default: '30' },
  },
});
const LOAD_MS = Number(args.minutes) * 60_000;
const WARMUP_MS = Number(args.warmup) * 1000;
const RATE = Number(args.rate);
const SAMPLE_MS = Number(args.sample) * 1000;
const FAULT_MS = Number(args['fault-every']) * 1000;
const MAX_IN_FLIGHT = 256;
/** After the load: longer than the gateway's and the pools' keep-alive timeouts (5 s, 4 s). */
const COOLDOWN_MS = 15_000;

const systemFile = fileURLToPath(new URL('./system.ts', import.meta.url));
const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', systemFile], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
process.on('exit', () => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

type Message =
  | { event: 'ready'; gateway: string; proxyApi: string }
  | { event: 'sample'; sample: SystemSample }
  | { event: 'gc' };
function next<E extends Message['event']>(event: E): Promise<Extract<Message, { event: E }>> {
  return new Promise((resolve) => {
    const on = (m: Message): void => {
      if (m.event !== event) return;
      child.off('message', on);
      resolve(m as Extract<Message, { event: E }>);
    };
    child.on('message', on);
  });
}
async function sample(): Promise<SystemSample> {
  const gc = next('gc');
  child.send('gc');
  await gc;
  const s = next('sample');
  child.send('sample');
  return (await s).sample;
}

const ready = await next('ready');
const agent = new Agent({ connections: 64, keepAliveTimeout: 4000 });
const body = Buffer.alloc(1024, 'x');
const counts = { sent: 0, ok: 0, failed: 0, skipped: 0 };
let inFlight = 0;

function fire(i: number): void {
  if (inFlight >= MAX_IN_FLIGHT) {
    counts.skipped++;
    return;
  }
  const kind = i % 10;
  const options =
    kind < 6
      ? { method: 'GET' as const, path: '/items?limit=10' }
      : kind < 8
        ? {
            method: 'POST' as const,
            path: '/items',
            body,
            headers: { 'content-type': 'application/octet-stream' },
          }
        : kind < 9
          ? { method: 'GET' as const, path: '/slow' }
          : { method: 'GET' as const, path: '/items', reset: true };
  inFlight++;
  counts.sent++;
  const { path, ...rest } = options;
  request(ready.gateway + path, { ...rest, dispatcher: agent, signal: AbortSignal.timeout(10_000) })
    .then(async (res) => {
      await res.body.dump();
      if (res.statusCode < 500) counts.ok++;
      else counts.failed++;
    })
    .catch(() => {
      counts.failed++;
    })
    .finally(() => {
      inFlight--;
    });
}

const faults = [
  {
    name: 'soak',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 200, jitter: 20 },
  },
  { name: 'soak', type: 'timeout', stream: 'downstream', toxicity: 0.2, attributes: { timeout: 0 } },
  { name: 'soak', type: 'reset_peer', stream: 'downstream', toxicity: 0.2, attributes: { timeout: 0 } },
  { name: 'soak', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 64 } },
];
async function api(method: string, path: string, json?: unknown): Promise<number> {
  const res = await request(`${ready.proxyApi}${path}`, {
    method: method as 'POST',
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });
  await res.body.dump();
  return res.statusCode;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
function slope(points: { t: number; v: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const baseline = await sample();
console.log(
  `soak: ${args.minutes} min at ${RATE} req/s, warm-up ${args.warmup} s, faults every ${args['fault-every']} s; ` +
    `baseline rss ${mib(baseline.rss)} MiB, heap ${mib(baseline.heapUsed)} MiB, fds ${baseline.fds}, sockets ${baseline.sockets}`,
);
console.log(
  '   t(s) phase     req/s  failed  skipped  rss(MiB)  heap(MiB)  fds  sockets  lag p99/max(ms)  fault',
);

const started = performance.now();
let tick = 0;
const perTick = RATE / 100;
let owed = 0;
const loadTimer = setInterval(() => {
  owed += perTick;
  while (owed >= 1) {
    owed -= 1;
    fire(tick++);
  }
}, 10);

let faultIndex = 0;
let activeFault: string | undefined;
const faultTimer = setInterval(() => {
  const inject = activeFault === undefined;
  const fault = faults[faultIndex % faults.length] as (typeof faults)[number];
  if (inject) {
    activeFault = fault.type;
    void api('POST', '/proxies/upstream/toxics', fault);
  } else {
    activeFault = undefined;
    faultIndex++;
    void api('DELETE', '/proxies/upstream/toxics/soak');
  }
}, FAULT_MS / 2);

const afterWarmup: { t: number; rss: number; heap: number }[] = [];
let lastSent = 0;
let lastFailed = 0;
let lastSkipped = 0;
while (performance.now() - started < LOAD_MS) {
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const t = performance.now() - started;
  const s = await sample();
  const phase = t < WARMUP_MS ? 'warm-up' : 'load';
  if (phase === 'load') afterWarmup.push({ t: t / 60_000, rss: s.rss, heap: s.heapUsed });
  console.log(
    `${(t / 1000).toFixed(0).padStart(7)} ${phase.padEnd(8)} ${((counts.sent - lastSent) / (SAMPLE_MS / 1000)).toFixed(0).padStart(6)} ` +
      `${String(counts.failed - lastFailed).padStart(7)} ${String(counts.skipped - lastSkipped).padStart(8)} ` +
      `${mib(s.rss).padStart(9)} ${mib(s.heapUsed).padStart(10)} ${String(s.fds).padStart(4)} ${String(s.sockets).padStart(8)} ` +
      `${`${s.lagP99Ms.toFixed(1)}/${s.lagMaxMs.toFixed(1)}`.padStart(16)}  ${activeFault ?? '-'}`,
  );
  lastSent = counts.sent;
  lastFailed = counts.failed;
  lastSkipped = counts.skipped;
}
clearInterval(loadTimer);
clearInterval(faultTimer);
if (activeFault !== undefined) await api('DELETE', '/proxies/upstream/toxics/soak');
while (inFlight > 0) await new Promise((r) => setTimeout(r, 100));
await agent.close();
await new Promise((r) => setTimeout(r, COOLDOWN_MS));
const after = await sample();

const first = afterWarmup[0];
const last = afterWarmup[afterWarmup.length - 1];
const growth = first && last ? ((last.rss - first.rss) / first.rss) * 100 : Number.NaN;
const rssSlope = slope(afterWarmup.map((p) => ({ t: p.t, v: p.rss / 1048576 })));
const heapSlope = slope(afterWarmup.map((p) => ({ t: p.t, v: p.heap / 1048576 })));
console.log(
  `\nrequests: ${counts.sent} sent, ${counts.ok} answered < 500, ${counts.failed} failed or 5xx (faults), ${counts.skipped} skipped (over ${MAX_IN_FLIGHT} in flight)`,
);
console.log(
  `after warm-up (${afterWarmup.length} samples): rss ${first ? mib(first.rss) : '?'} -> ${last ? mib(last.rss) : '?'} MiB ` +
    `(growth ${growth.toFixed(1)} %), slope rss ${rssSlope.toFixed(2)} MiB/min, heap ${heapSlope.toFixed(2)} MiB/min`,
);
console.log(
  `after the load (+${COOLDOWN_MS / 1000} s idle): fds ${after.fds} (baseline ${baseline.fds}), sockets ${after.sockets} (baseline ${baseline.sockets}), rss ${mib(after.rss)} MiB`,
);
const flat = Number.isFinite(growth) && growth < 5;
const back = after.fds <= baseline.fds && after.sockets <= baseline.sockets;
console.log(
  `verdict: rss growth < 5 %: ${flat ? 'yes' : 'NO'}; descriptors and sockets back to baseline: ${back ? 'yes' : 'NO'}`,
);
const stopped = once(child, 'exit');
child.send('stop');
await stopped;
process.exit(flat && back ? 0 : 1);
