/**
 * bench/websocket: messages relayed per second and memory per idle connection, in one run, for
 *   1. a bare `ws` echo server,
 *   2. Faultline's gateway in front of that server, relaying frames as they are (sessions off),
 *   3. the gateway with sessions on (every message logged to Redis Streams, offsets, acks),
 *   4. socket.io@4 with connection state recovery on (server `socket.emit` echo, websocket transport).
 *
 *   npx tsx bench/websocket/run.ts [--seconds 4] [--connections 50] [--window 8] [--idle 2000] [--rounds 3]
 *
 * Throughput: `connections` clients in this process, each keeping `window` echo messages (64 bytes) in
 * flight (closed loop) for `seconds`; msg/s = echoes received / seconds. Memory: the server process's
 * RSS (from /proc) growth while a second wave of `idle` connections opens and idles (after a first, warm-up
 * wave of as many), divided by `idle`
 * (for the gateway: the gateway process alone; its upstream's share is shown separately). Rounds are
 * interleaved; medians and min–max over rounds are printed, with ratios against the peers.
 * Targets (issue 12): gateway msg/s ≥ socket.io's; memory per idle connection ≤ 2× bare ws.
 * Needs `npm run build` first (the gateway runs from dist/) and Redis at REDIS_URL (db 15; own key prefix).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { io as ioClient, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { ResilientWebSocket } from '../../src/ws-client/index.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    window: { type: 'string', default: '8' },
    idle: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const WINDOW = Number(args.window);
const IDLE = Number(args.idle);
const ROUNDS = Number(args.rounds);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const KEY_PREFIX = `fl:bench:ws:${process.pid}:`;
const PAYLOAD = 'x'.repeat(64);

const children: ChildProcess[] = [];
const tempDir = mkdtempSync(join(tmpdir(), 'faultline-bench-ws-'));
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tempDir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function spawnListening(argv: string[]): Promise<{ port: number; pid: number }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          const msg = JSON.parse(line) as { event?: string; port?: number };
          if (msg.event === 'listening' && msg.port) resolve({ port: msg.port, pid: child.pid as number });
        } catch {}
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code} before listening`)));
  });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** One client connection of a contender: send a message, hear echoes. */
interface BenchClient {
  send(): void;
  onEcho(cb: () => void): void;
  close(): void;
}

type Connect = () => Promise<BenchClient>;

function plainClient(url: string): Connect {
  return () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () =>
        resolve({
          send: () => ws.send(PAYLOAD),
          onEcho: (cb) => ws.on('message', cb),
          close: () => ws.terminate(),
        }),
      );
      ws.once('error', reject);
    });
}

function sessionClient(url: string): Connect {
  return async () => {
    const c = new ResilientWebSocket(url, { maxBufferedMessages: 100_000, maxAttempts: 3 });
    await c.ready();
    // close(), not terminate(): terminate() drops the connection as a network failure would, and the
    // client reconnects (rounds 2+ then ran beside every earlier round's clients).
    return { send: () => c.send(PAYLOAD), onEcho: (cb) => c.onMessage(cb), close: () => void c.close() };
  };
}

function socketIoClient(url: string): Connect {
  return () =>
    new Promise((resolve, reject) => {
      const s: Socket = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
      s.once('connect', () =>
        resolve({
          send: () => s.emit('m', PAYLOAD),
          onEcho: (cb) => s.on('m', cb),
          close: () => s.disconnect(),
        }),
      );
      s.once('connect_error', reject);
    });
}

async function openMany(connect: Connect, n: number): Promise<BenchClient[]> {
  const out: BenchClient[] = [];
  // Batches of 100 keep the burst below the accept queue of every contender.
  for (let i = 0; i < n; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => connect()))));
  }
  return out;
}

async function throughput(connect: Connect): Promise<number> {
  const clients = await openMany(connect, CONNECTIONS);
  let received = 0;
  let running = true;
  for (const c of clients) {
    c.onEcho(() => {
      received++;
      if (running) c.send();
    });
  }
  await new Promise((r) => setTimeout(r, 300)); // let connections settle
  for (const c of clients) for (let i = 0; i < WINDOW; i++) c.send();
  const start = received;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rate = ((received - start) * 1000) / (performance.now() - t0);
  running = false;
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 300));
  return rate;
}

/**
 * RSS growth per idle connection: a first wave of `IDLE` connections warms the process up (pools,
 * JIT, heap growth), a second wave of `IDLE` is measured against it.
 */
async function idleMemory(connect: Connect, pids: number[]): Promise<number[]> {
  const warm = await openMany(connect, IDLE);
  await new Promise((r) => setTimeout(r, 1000));
  const before = pids.map(rssBytes);
  const measured = await openMany(connect, IDLE);
  await new Promise((r) => setTimeout(r, 1500));
  const after = pids.map(rssBytes);
  for (const c of [...warm, ...measured]) c.close();
  await new Promise((r) => setTimeout(r, 1000));
  return after.map((a, i) => (a - (before[i] as number)) / IDLE);
}

function gatewayConfig(upstreamPort: number, sessions: boolean): string {
  const file = join(tempDir, `gateway-${sessions ? 'sessions' : 'relay'}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      clusters: {
        echo: { hosts: [{ url: `http://127.0.0.1:${upstreamPort}` }], health: { outlier: false } },
      },
      websocket: {
        connectTimeoutMs: 15_000,
        limits: { messagesPerSecond: 0, acceptsPerSecond: 0 },
        ...(sessions
          ? { sessions: { secret: 'bench-secret-0123456789', redisUrl: REDIS_URL, keyPrefix: KEY_PREFIX } }
          : {}),
      },
    }),
  );
  return file;
}

async function main(): Promise<void> {
  const entry = (m: string): string[] => ['--import', 'tsx', join('bench', 'websocket', m)];
  const bare = await spawnListening([...entry('echo-servers.ts'), 'ws']);
  const upstream = await spawnListening([...entry('echo-servers.ts'), 'ws']);
  const sio = await spawnListening([...entry('echo-servers.ts'), 'socketio']);
  const relay = await spawnListening([
    join('dist', 'stack', 'gateway', 'main.js'),
    '--config',
    gatewayConfig(upstream.port, false),
    '--log-level',
    'silent',
  ]);
  const sess = await spawnListening([
    join('dist', 'stack', 'gateway', 'main.js'),
    '--config',
    gatewayConfig(upstream.port, true),
    '--log-level',
    'silent',
  ]);

  const contenders = [
    { name: 'bare ws', connect: plainClient(`ws://127.0.0.1:${bare.port}/`), pids: [bare.pid] },
    {
      name: 'gateway (relay)',
      connect: plainClient(`ws://127.0.0.1:${relay.port}/`),
      pids: [relay.pid, upstream.pid],
    },
    {
      name: 'gateway (sessions)',
      connect: sessionClient(`ws://127.0.0.1:${sess.port}/`),
      pids: [sess.pid, upstream.pid],
    },
    {
      name: 'socket.io (recovery)',
      connect: socketIoClient(`http://127.0.0.1:${sio.port}`),
      pids: [sio.pid],
    },
  ];
  const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const mem = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const upstreamMem = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of contenders) {
      const r = await throughput(c.connect);
      const [own, up] = await idleMemory(c.connect, c.pids);
      rates.get(c.name)?.push(r);
      mem.get(c.name)?.push(own as number);
      if (up !== undefined) upstreamMem.get(c.name)?.push(up);
      process.stderr.write(
        `round ${round} ${c.name}: ${Math.round(r)} msg/s, ${Math.round((own as number) / 1024)} KiB/idle conn\n`,
      );
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const spread = (xs: number[], f: (x: number) => string): string =>
    `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
  const kib = (b: number): string => (b / 1024).toFixed(1);
  const bareRate = median(rates.get('bare ws') as number[]);
  const sioRate = median(rates.get('socket.io (recovery)') as number[]);
  const bareMem = median(mem.get('bare ws') as number[]);
  console.log(
    `\nWebSocket relay: ${CONNECTIONS} connections × ${WINDOW} in flight, ${SECONDS} s, 64-byte messages; ${IDLE} idle connections; ${ROUNDS} rounds (median, min–max)\n`,
  );
  console.log(
    '| setup | msg/s | spread | ×socket.io | ×bare | KiB/idle conn | spread | ×bare ws mem | upstream KiB/conn |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const c of contenders) {
    const r = rates.get(c.name) as number[];
    const m = mem.get(c.name) as number[];
    const up = upstreamMem.get(c.name) as number[];
    console.log(
      `| ${c.name} | ${Math.round(median(r))} | ${spread(r, (x) => String(Math.round(x)))} | ${(median(r) / sioRate).toFixed(2)} | ${(median(r) / bareRate).toFixed(2)} | ${kib(median(m))} | ${spread(m, kib)} | ${(median(m) / bareMem).toFixed(2)} | ${up.length ? kib(median(up)) : '-'} |`,
    );
  }
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench/websocket: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
