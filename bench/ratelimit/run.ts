/**
 * bench/ratelimit: rate-limit decisions per second and decision latency, ours beside
 * rate-limiter-flexible@11 (RLF) on the same redis-server, the same keys and the same concurrency.
 *
 *   npx tsx bench/ratelimit/run.ts [--decisions 20000] [--rounds 5] [--concurrency 64] [--keys 1000]
 *                                  [--timeout-ms 50] [--cap-ms 2000] [--no-dead]
 *
 * Contenders: ours (RateLimiter, GCRA) on MemoryLimiterStore and on RedisLimiterStore; RLF's
 * RateLimiterMemory and RateLimiterRedis (ioredis client). Each decision is `consume(key)` over
 * `keys` keys round-robin, `concurrency` in flight (a pool of async loops), quota high enough
 * that every decision admits (the cost of deciding, not of refusing). Rounds interleave the
 * contenders (odd rounds swap the two of each store); the table gives the median round and the spread (min–max) over rounds, and the
 * ratio ours / RLF of the medians.
 *
 * Dead Redis: the redis-server is SIGKILLed (dead) or SIGSTOPped (hung) after the clients are
 * connected, and each contender's next decisions are timed, cut at `cap-ms` (a cut decision is
 * reported as "> cap"). RLF is measured as its README sets it up (an ioredis client with default
 * options and an insurance RateLimiterMemory) and with its recommended hardening
 * (`enableOfflineQueue: false`, `rejectIfRedisNotReady: true`).
 *
 * `--no-dead` skips that part (throughput only, for iterating).
 *
 * The redis-server is the bench's own (free port, no persistence), removed at exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { freePort } from '../../src/chaos/process/free-port.js';
import { gcra } from '../../src/stack/ratelimit/gcra.js';
import { MemoryLimiterStore } from '../../src/stack/ratelimit/memory-limiter-store.js';
import { toQuota } from '../../src/stack/ratelimit/quota.js';
import { RateLimiter } from '../../src/stack/ratelimit/rate-limiter.js';
import { RedisLimiterStore } from '../../src/stack/ratelimit/redis-limiter-store.js';

const { values: args } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    keys: { type: 'string', default: '1000' },
    'timeout-ms': { type: 'string', default: '50' },
    'cap-ms': { type: 'string', default: '2000' },
    'no-dead': { type: 'boolean', default: false },
  },
});
const DECISIONS = Number(args.decisions);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const KEYS = Array.from({ length: Number(args.keys) }, (_, i) => `user:${i}`);
const TIMEOUT_MS = Number(args['timeout-ms']);
const CAP_MS = Number(args['cap-ms']);
const LIMIT = 1e9; // per second: every decision admits

type Decide = (key: string) => Promise<unknown>;
interface Round {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of this process per decision, in µs (user + system). */
  nodeUs: number;
  /** CPU time of the redis-server per decision, in µs (INFO cpu, user + system). */
  redisUs: number;
}

/** redis-server CPU seconds so far (user + system), from INFO cpu. */
async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function runRound(decide: Decide, n: number, admin: Redis): Promise<Round> {
  const latencies = new Float64Array(n);
  let next = 0;
  const redis0 = await redisCpuSeconds(admin);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const s = performance.now();
      await decide(KEYS[i % KEYS.length] as string);
      latencies[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisUs = ((await redisCpuSeconds(admin)) - redis0) * 1e6;
  latencies.sort();
  return {
    nodeUs: (cpu.user + cpu.system) / n,
    redisUs: redisUs / n,
    perSecond: (n / elapsed) * 1000,
    p50: latencies[Math.floor(n * 0.5)] ?? 0,
    p99: latencies[Math.floor(n * 0.99)] ?? 0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const fmt = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

class BenchRedis {
  child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  static async start(): Promise<BenchRedis> {
    const r = new BenchRedis(await freePort(), mkdtempSync(join(tmpdir(), 'faultline-bench-rl-')));
    const child = spawn(
      'redis-server',
      ['--port', String(r.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', r.dir],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    r.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
    });
    return r;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }
  stop(): void {
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function throughput(redis: BenchRedis): Promise<void> {
  const quota = toQuota({ limit: LIMIT, windowMs: 1000 });
  const oursMemory = new RateLimiter({ quota, store: new MemoryLimiterStore(gcra) });
  const redisStore = new RedisLimiterStore(gcra, {
    url: redis.url,
    keyPrefix: 'ours:',
    commandTimeoutMs: 1000,
  });
  await redisStore.ready();
  const oursRedis = new RateLimiter({ quota, store: redisStore, failure: { timeoutMs: 1000 } });
  const rlfClient = new Redis(redis.url, { enableOfflineQueue: false });
  await new Promise((r) => rlfClient.once('ready', r));
  const admin = new Redis(redis.url);
  const rlfMemory = new RateLimiterMemory({ points: LIMIT, duration: 1 });
  const rlfRedis = new RateLimiterRedis({
    storeClient: rlfClient,
    points: LIMIT,
    duration: 1,
    keyPrefix: 'rlf',
  });

  const contenders: { name: string; store: string; decide: Decide }[] = [
    {
      name: 'ours (GCRA)',
      store: 'memory',
      decide: async (k) => {
        const r = await oursMemory.consume(k);
        if (!r.allowed) throw new Error('refused');
      },
    },
    { name: 'rate-limiter-flexible', store: 'memory', decide: (k) => rlfMemory.consume(k) },
    {
      name: 'ours (GCRA)',
      store: 'redis',
      decide: async (k) => {
        const r = await oursRedis.consume(k);
        if (r.source !== 'store') throw new Error(`decided by ${r.source}`);
      },
    },
    { name: 'rate-limiter-flexible', store: 'redis', decide: (k) => rlfRedis.consume(k) },
  ];
  // Warm-up (JIT, connections, script cache).
  for (const c of contenders) await runRound(c.decide, Math.min(2000, DECISIONS), admin);
  const rounds = new Map<(typeof contenders)[number], Round[]>(contenders.map((c) => [c, []]));
  // Odd rounds swap each pair, so that neither contender of a store always runs right after the
  // other store's round (whose garbage and timers, e.g. RateLimiterMemory's one per key, land in
  // the next round).
  const swapped = [contenders[1], contenders[0], contenders[3], contenders[2]] as typeof contenders;
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? swapped : contenders) {
      rounds.get(c)?.push(await runRound(c.decide, DECISIONS, admin));
    }
  }
  console.log(
    `\nDecisions: ${fmt(DECISIONS)} per round × ${ROUNDS} rounds, ${CONCURRENCY} in flight, ${KEYS.length} keys; median round (min–max)\n`,
  );
  console.log('| limiter | store | decisions/s | p50 ms | p99 ms | node µs/decision | redis µs/decision |');
  console.log('|---|---|---|---|---|---|---|');
  const medians = new Map<string, { perSecond: number; p99: number }>();
  for (const c of contenders) {
    const rs = rounds.get(c) ?? [];
    const ps = rs.map((r) => r.perSecond);
    const p99 = rs.map((r) => r.p99);
    const p50 = rs.map((r) => r.p50);
    const nodeUs = median(rs.map((r) => r.nodeUs));
    const redisUs = median(rs.map((r) => r.redisUs));
    medians.set(`${c.name}/${c.store}`, { perSecond: median(ps), p99: median(p99) });
    console.log(
      `| ${c.name} | ${c.store} | ${fmt(median(ps))} (${fmt(Math.min(...ps))}–${fmt(Math.max(...ps))}) | ${fmt(median(p50), 3)} | ${fmt(median(p99), 3)} (${fmt(Math.min(...p99), 3)}–${fmt(Math.max(...p99), 3)}) | ${fmt(nodeUs, 1)} | ${c.store === 'redis' ? fmt(redisUs, 1) : '–'} |`,
    );
  }
  for (const store of ['memory', 'redis']) {
    const ours = medians.get(`ours (GCRA)/${store}`);
    const peer = medians.get(`rate-limiter-flexible/${store}`);
    if (ours && peer) {
      console.log(
        `\n${store}: ours / rate-limiter-flexible = ${(ours.perSecond / peer.perSecond).toFixed(2)}× decisions/s, p99 ${(ours.p99 / peer.p99).toFixed(2)}×`,
      );
    }
  }
  await oursRedis.close();
  await oursMemory.close();
  rlfClient.disconnect();
  admin.disconnect();
}

/** Times `n` sequential decisions, each cut at CAP_MS. */
async function timeDecisions(
  decide: Decide,
  n: number,
): Promise<{ worst: number; cut: number; first: number }> {
  const times: number[] = [];
  let cut = 0;
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const capped = new Promise<'cut'>((r) => {
      timer = setTimeout(() => r('cut'), CAP_MS);
    });
    const outcome = await Promise.race([
      decide(`dead:${i}`).then(
        () => 'ok',
        () => 'err',
      ),
      capped,
    ]);
    clearTimeout(timer);
    if (outcome === 'cut') cut++;
    times.push(performance.now() - s);
  }
  return { worst: Math.max(...times), cut, first: times[0] ?? 0 };
}

async function deadRedis(kind: 'killed' | 'hung'): Promise<string[]> {
  const redis = await BenchRedis.start();
  const quota = toQuota({ limit: 100, windowMs: 1000 });
  const store = new RedisLimiterStore(gcra, {
    url: redis.url,
    keyPrefix: 'ours:',
    commandTimeoutMs: TIMEOUT_MS,
  });
  await store.ready();
  const ours = new RateLimiter({ quota, store, failure: { mode: 'open', timeoutMs: TIMEOUT_MS } });
  const insurance = new RateLimiterMemory({ points: 100, duration: 1 });
  const plainClient = new Redis(redis.url);
  const hardClient = new Redis(redis.url, { enableOfflineQueue: false });
  for (const c of [plainClient, hardClient]) c.on('error', () => {});
  await Promise.all([plainClient, hardClient].map((c) => new Promise((r) => c.once('ready', r))));
  const rlfPlain = new RateLimiterRedis({
    storeClient: plainClient,
    points: 100,
    duration: 1,
    insuranceLimiter: insurance,
  });
  const rlfHard = new RateLimiterRedis({
    storeClient: hardClient,
    points: 100,
    duration: 1,
    insuranceLimiter: new RateLimiterMemory({ points: 100, duration: 1 }),
    rejectIfRedisNotReady: true,
  });
  // All connected and warm.
  await ours.consume('warm');
  await rlfPlain.consume('warm');
  await rlfHard.consume('warm');
  if (kind === 'killed') {
    const exited = new Promise((r) => redis.child?.once('exit', r));
    redis.child?.kill('SIGKILL');
    await exited;
  } else {
    redis.child?.kill('SIGSTOP');
  }
  const rows: string[] = [];
  const row = async (name: string, decide: Decide): Promise<void> => {
    const t = await timeDecisions(decide, 5);
    const show = (ms: number): string => (ms >= CAP_MS ? `> ${fmt(CAP_MS)} (cut)` : fmt(ms, 1));
    rows.push(`| ${kind} | ${name} | ${show(t.first)} | ${show(t.worst)} | ${t.cut}/5 |`);
  };
  await row(`ours (timeoutMs ${TIMEOUT_MS}, fail open)`, async (k) => ours.consume(k));
  await row('rate-limiter-flexible (README setup: default ioredis + insuranceLimiter)', (k) =>
    rlfPlain.consume(k),
  );
  await row('rate-limiter-flexible (enableOfflineQueue false, rejectIfRedisNotReady)', (k) =>
    rlfHard.consume(k),
  );
  redis.stop();
  plainClient.disconnect();
  hardClient.disconnect();
  await ours.close();
  return rows;
}

const redis = await BenchRedis.start();
try {
  await throughput(redis);
} finally {
  redis.stop();
}
if (args['no-dead']) process.exit(0);
const dead = [...(await deadRedis('killed')), ...(await deadRedis('hung'))];
console.log(
  `\nDecision time with Redis dead (SIGKILL) or hung (SIGSTOP): 5 decisions each, cut at ${fmt(CAP_MS)} ms\n`,
);
console.log('| redis | limiter | first decision ms | worst ms | cut |');
console.log('|---|---|---|---|---|');
for (const r of dead) console.log(r);
process.exit(0);
