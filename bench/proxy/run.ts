/**
 * bench/proxy: throughput and round-trip latency on loopback, for a direct connection, for
 * Faultline's proxy with no toxics, and for HAProxy in TCP mode, measured side by side in one
 * run (rounds interleaved, so a busy machine slows every contender alike).
 *
 *   npx tsx bench/proxy/run.ts [--rounds 3] [--mib 256] [--pings 5000]
 *
 * Throughput: one connection, 64 KiB writes to an echo server, bytes echoed back per second.
 * Latency: 1 KiB ping-pong on one connection, p50/p99 in microseconds (hdr-histogram-js).
 * Each contender runs in its own process (echo server, Faultline's CLI, haproxy -db).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    mib: { type: 'string', default: '256' },
    pings: { type: 'string', default: '5000' },
  },
});
const ROUNDS = Number(args.rounds);
const TOTAL_BYTES = Number(args.mib) * 1024 * 1024;
const PINGS = Number(args.pings);
const CHUNK = 64 * 1024;
const MESSAGE = 1024;

const children: ChildProcess[] = [];
const tempDir = mkdtempSync(join(tmpdir(), 'faultline-bench-proxy-'));

function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tempDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves with the first stdout line that parses as JSON. */
function spawnJsonLine(cmd: string, argv: string[]): Promise<Record<string, unknown>> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
          return;
        } catch {}
      }
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code} before it was ready`)));
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** MB/s (10^6 bytes) of echoed bytes for TOTAL_BYTES sent in CHUNK writes. */
async function throughput(port: number): Promise<number> {
  const socket = await connect(port);
  const chunk = Buffer.alloc(CHUNK, 0x61);
  const start = process.hrtime.bigint();
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= TOTAL_BYTES) resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => (received >= TOTAL_BYTES ? resolve() : reject(new Error('closed early'))));
  });
  let sent = 0;
  while (sent < TOTAL_BYTES) {
    sent += CHUNK;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return received / seconds / 1e6;
}

/** Round-trip latency of 1 KiB ping-pongs, in µs. */
async function latency(port: number): Promise<hdr.Histogram> {
  const socket = await connect(port);
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000 });
  const message = Buffer.alloc(MESSAGE, 0x62);
  for (let i = 0; i < 200 + PINGS; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer): void => {
        got += d.length;
        if (got >= MESSAGE) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(message);
    });
    // The first 200 round trips warm up the JIT and the connection; they are not recorded.
    if (i >= 200) histogram.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  socket.destroy();
  return histogram;
}

function ensureHaproxy(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy || ls /usr/sbin/haproxy'], {
      encoding: 'utf8',
    }).trim();
  } catch {}
  try {
    console.error('haproxy not found: installing Debian package haproxy');
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'],
      {
        stdio: 'inherit',
      },
    );
    return '/usr/sbin/haproxy';
  } catch {
    console.error('could not install haproxy: its column is skipped');
    return null;
  }
}

async function startFaultline(echoPort: number): Promise<number> {
  const apiPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/cli/main.ts').then((m) => m.main(['proxy', '--port', '${apiPort}']))`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  await waitForPort(apiPort);
  const res = await fetch(`http://127.0.0.1:${apiPort}/proxies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` }),
  });
  if (res.status !== 201) throw new Error(`creating the proxy answered ${res.status}: ${await res.text()}`);
  const proxy = (await res.json()) as { listen: string };
  return Number(proxy.listen.split(':').pop());
}

async function startHaproxy(bin: string, echoPort: number): Promise<number> {
  const port = await freePort();
  const cfg = join(tempDir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  nbthread 1',
      '  maxconn 1024',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      `  server echo 127.0.0.1:${echoPort}`,
      '',
    ].join('\n'),
  );
  children.push(spawn(bin, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] }));
  await waitForPort(port);
  return port;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const echo = await spawnJsonLine(process.execPath, ['--import', 'tsx', 'bench/proxy/echo-server.ts']);
  const echoPort = Number(echo.port);
  const contenders: { name: string; port: number }[] = [
    { name: 'direct', port: echoPort },
    { name: 'faultline', port: await startFaultline(echoPort) },
  ];
  const haproxyBin = ensureHaproxy();
  if (haproxyBin) contenders.push({ name: 'haproxy', port: await startHaproxy(haproxyBin, echoPort) });

  const results = new Map(
    contenders.map((c) => [c.name, { mbps: [] as number[], p50: [] as number[], p99: [] as number[] }]),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of contenders) {
      const r = results.get(c.name)!;
      r.mbps.push(await throughput(c.port));
      const h = await latency(c.port);
      r.p50.push(h.getValueAtPercentile(50));
      r.p99.push(h.getValueAtPercentile(99));
    }
    console.error(`round ${round}/${ROUNDS} done`);
  }

  const row = (name: string) => {
    const r = results.get(name)!;
    return { name, mbps: median(r.mbps), p50: median(r.p50), p99: median(r.p99) };
  };
  const rows = contenders.map((c) => row(c.name));
  console.log(
    `\nbench/proxy — ${ROUNDS} interleaved rounds, medians; ${args.mib} MiB per throughput run, ${PINGS} pings`,
  );
  console.log('contender    throughput MB/s   p50 µs   p99 µs');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(12)} ${r.mbps.toFixed(0).padStart(15)} ${r.p50.toFixed(0).padStart(8)} ${r.p99.toFixed(0).padStart(8)}`,
    );
  }
  const direct = row('direct');
  const ours = row('faultline');
  console.log('\nratios');
  console.log(`faultline added p50 latency: ${(ours.p50 - direct.p50).toFixed(0)} µs (target < 100 µs)`);
  console.log(`faultline added p99 latency: ${(ours.p99 - direct.p99).toFixed(0)} µs`);
  console.log(`faultline throughput / direct: ${(ours.mbps / direct.mbps).toFixed(2)} (target >= 0.50)`);
  if (results.has('haproxy')) {
    const ha = row('haproxy');
    console.log(`haproxy added p50 latency: ${(ha.p50 - direct.p50).toFixed(0)} µs`);
    console.log(`faultline throughput / haproxy: ${(ours.mbps / ha.mbps).toFixed(2)} (target >= 0.80)`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench/proxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
