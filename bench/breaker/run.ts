/**
 * bench/breaker: the cost of a circuit breaker on the hot path — our CircuitBreakerPolicy beside
 * opossum@9 and cockatiel@3 doing the same work, side by side in one process.
 *
 *   npx tsx bench/breaker/run.ts [--calls 200000] [--rounds 5] [--alloc-calls 20000]
 *
 * Two cases: a closed circuit around an async fn that resolves, and an open circuit rejecting fast.
 * Each breaker opens after 5 failures (ours and cockatiel: ConsecutiveBreaker(5); opossum: 50 %
 * errors over a volume of 5) and has no call timeout (opossum `timeout: false`), so all three do
 * the same work. A "bare" row is the harness's own cost: awaiting the fn directly (closed), or
 * awaiting a rejection of a pre-built error (open).
 *
 * ns/call: sequential awaited calls, rounds interleaved across contenders, median round.
 * B/call: heapUsed delta over a batch between forced GCs, in a child started with --expose-gc and
 * a 64 MiB young generation so no scavenge runs inside a batch (batches that saw a GC are redone).
 */
import { spawnSync } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ConsecutiveBreaker as CockatielConsecutiveBreaker,
  circuitBreaker as cockatielCircuitBreaker,
  handleAll,
} from 'cockatiel';
import Opossum from 'opossum';
import { CircuitBreakerPolicy } from '../../src/stack/breaker/circuit-breaker-policy.js';
import { ConsecutiveBreaker } from '../../src/stack/breaker/consecutive-breaker.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    'alloc-calls': { type: 'string', default: '20000' },
    child: { type: 'boolean', default: false },
  },
});

// Re-run in a child with the flags the allocation figures need; the child does all the work.
if (!args.child) {
  const self = fileURLToPath(import.meta.url);
  const flags = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', '--import', 'tsx'];
  const run = spawnSync(process.execPath, [...flags, self, '--child', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

const CALLS = Number(args.calls);
const ROUNDS = Number(args.rounds);
const ALLOC_CALLS = Number(args['alloc-calls']);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc)
  throw new Error('run through `npx tsx bench/breaker/run.ts` (it re-executes itself with --expose-gc)');

type Call = () => Promise<unknown>;
interface Contender {
  name: string;
  closed: Call;
  open: Call;
}

const ok = async (): Promise<number> => 1;
const fail = async (): Promise<number> => {
  throw new Error('down');
};
/** The open-circuit harness baseline: a rejection that builds no error. */
const shared = new Error('shared');
const rejectShared = (): Promise<never> => Promise.reject(shared);
const LONG = 1e9; // the open circuit never half-opens during the bench

async function trip(call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 10; i++) await call().catch(() => {});
}

async function contenders(): Promise<Contender[]> {
  // Ours.
  const oursClosed = new CircuitBreakerPolicy({
    breaker: new ConsecutiveBreaker({ threshold: 5 }),
    halfOpenAfter: LONG,
  });
  const oursOpen = new CircuitBreakerPolicy({
    breaker: new ConsecutiveBreaker({ threshold: 5 }),
    halfOpenAfter: LONG,
  });
  await trip(() => oursOpen.execute(fail));
  if (oursOpen.state !== 'open') throw new Error('ours did not open');

  // cockatiel@3.
  const cockClosed = cockatielCircuitBreaker(handleAll, {
    halfOpenAfter: LONG,
    breaker: new CockatielConsecutiveBreaker(5),
  });
  const cockOpen = cockatielCircuitBreaker(handleAll, {
    halfOpenAfter: LONG,
    breaker: new CockatielConsecutiveBreaker(5),
  });
  await trip(() => cockOpen.execute(fail));
  if (String(cockOpen.state) !== '1') throw new Error(`cockatiel did not open (state ${cockOpen.state})`);

  // opossum@9: no timeout (ours and cockatiel have none), 50 % over a volume of 5.
  const opossumOptions = {
    timeout: false as const,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeout: LONG,
  };
  const opClosed = new Opossum(ok, opossumOptions);
  const opOpen = new Opossum(fail, opossumOptions);
  await trip(() => opOpen.fire());
  if (!opOpen.opened) throw new Error('opossum did not open');

  return [
    { name: 'bare (harness)', closed: ok, open: rejectShared },
    { name: 'faultline', closed: () => oursClosed.execute(ok), open: () => oursOpen.execute(ok) },
    { name: 'cockatiel@3', closed: () => cockClosed.execute(ok), open: () => cockOpen.execute(ok) },
    { name: 'opossum@9', closed: () => opClosed.fire(), open: () => opOpen.fire() },
  ];
}

async function loop(call: Call, n: number, rejects: boolean): Promise<void> {
  if (rejects) {
    for (let i = 0; i < n; i++) {
      try {
        await call();
      } catch {}
    }
  } else {
    for (let i = 0; i < n; i++) await call();
  }
}

async function nsPerCall(call: Call, rejects: boolean): Promise<number> {
  const t0 = process.hrtime.bigint();
  await loop(call, CALLS, rejects);
  return Number(process.hrtime.bigint() - t0) / CALLS;
}

let gcCount = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    if (kind !== constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function bytesPerCall(call: Call, rejects: boolean): Promise<number> {
  for (let tries = 0; tries < 5; tries++) {
    gc!();
    gc!();
    await settle();
    const gcsBefore = gcCount;
    const before = process.memoryUsage().heapUsed;
    await loop(call, ALLOC_CALLS, rejects);
    const after = process.memoryUsage().heapUsed;
    await settle();
    if (gcCount === gcsBefore) return (after - before) / ALLOC_CALLS;
  }
  return Number.NaN;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const list = await contenders();
  const cases = [
    { label: 'closed (fn resolves)', key: 'closed' as const, rejects: false },
    { label: 'open (rejects fast)', key: 'open' as const, rejects: true },
  ];
  console.log(
    `bench/breaker: ${CALLS} calls x ${ROUNDS} rounds (median), ${ALLOC_CALLS}-call alloc batches, node ${process.version}`,
  );
  for (const c of cases) {
    for (const x of list) await loop(x[c.key], 20_000, c.rejects); // warm up the JIT
    const times = new Map<string, number[]>(list.map((x) => [x.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const x of list) times.get(x.name)!.push(await nsPerCall(x[c.key], c.rejects));
    }
    const rows = [];
    for (const x of list) {
      rows.push({
        name: x.name,
        ns: median(times.get(x.name)!),
        bytes: await bytesPerCall(x[c.key], c.rejects),
      });
    }
    const bare = rows[0]!;
    const ours = rows.find((r) => r.name === 'faultline')!;
    console.log(`\n${c.label}`);
    console.log(
      `${'contender'.padEnd(20)} ${'ns/call'.padStart(9)} ${'B/call'.padStart(8)} ${'ns over bare'.padStart(13)} ${'B over bare'.padStart(12)} ${'ns vs ours'.padStart(11)} ${'B vs ours'.padStart(10)}`,
    );
    for (const r of rows) {
      const nsOver = r.ns - bare.ns;
      const bOver = r.bytes - bare.bytes;
      const isBare = r === bare;
      console.log(
        `${r.name.padEnd(20)} ${r.ns.toFixed(0).padStart(9)} ${r.bytes.toFixed(0).padStart(8)} ${(isBare ? '-' : nsOver.toFixed(0)).padStart(13)} ${(isBare ? '-' : bOver.toFixed(0)).padStart(12)} ${(isBare ? '-' : `${(r.ns / ours.ns).toFixed(2)}x`).padStart(11)} ${(isBare ? '-' : `${(r.bytes / ours.bytes).toFixed(2)}x`).padStart(10)}`,
      );
    }
  }
}

await main();
