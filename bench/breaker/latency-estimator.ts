/**
 * bench/breaker/latency-estimator: what the adaptive timeout and the hedge pay per call to know
 * their latency quantile. Each "call" records one latency and reads p99, as AdaptiveTimeout does.
 *
 *   npx tsx bench/breaker/latency-estimator.ts [--calls 500000] [--reads 5000]
 *
 * Contenders: our LatencyWindow (a 1024-sample ring, re-sorted every 32 samples) and
 * hdr-histogram-js (JS and packed builds, 1 µs..60 s, 3 significant digits). The ring forgets old
 * samples, so it follows a rising distribution; a histogram needs resets or a pair of windows.
 */
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { SeededRandom } from '../../src/common/rng.js';
import { LatencyWindow } from '../../src/stack/timeout/latency-window.js';

const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '500000' }, reads: { type: 'string', default: '5000' } },
});
const CALLS = Number(args.calls);
const READS = Number(args.reads);
const rng = new SeededRandom(42);
const samples = Float64Array.from({ length: 4096 }, () => 5 + 20 * rng.next() ** 4);

interface Estimator {
  name: string;
  record(ms: number): void;
  p99(): number;
}

function contenders(): Estimator[] {
  const ring = new LatencyWindow({ size: 1024, recomputeEvery: 32 });
  const make = (bitBucketSize: 32 | 'packed') =>
    hdr.build({
      bitBucketSize,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000,
      numberOfSignificantValueDigits: 3,
    });
  const h32 = make(32);
  const packed = make('packed');
  return [
    { name: 'LatencyWindow(1024/32)', record: (ms) => ring.record(ms), p99: () => ring.quantile(0.99) ?? 0 },
    {
      name: 'hdr-histogram-js (32-bit)',
      record: (ms) => h32.recordValue(Math.round(ms * 1000)),
      p99: () => h32.getValueAtPercentile(99) / 1000,
    },
    {
      name: 'hdr-histogram-js (packed)',
      record: (ms) => packed.recordValue(Math.round(ms * 1000)),
      p99: () => packed.getValueAtPercentile(99) / 1000,
    },
  ];
}

function timeNs(n: number, body: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const list = contenders();
const rows: { name: string; record: number; read: number; p99: number }[] = [];
let sink = 0;
for (const e of list) {
  timeNs(20_000, (i) => e.record(samples[i & 4095]!)); // warm up and fill
  const record = median([1, 2, 3].map(() => timeNs(CALLS, (i) => e.record(samples[i & 4095]!))));
  // A read right after each record, as AdaptiveTimeout.execute does (the ring re-sorts every 32).
  const read = median(
    [1, 2, 3].map(() =>
      timeNs(READS, (i) => {
        e.record(samples[i & 4095]!);
        sink += e.p99();
      }),
    ),
  );
  rows.push({ name: e.name, record, read, p99: e.p99() });
}
console.log(
  `bench/breaker/latency-estimator: ${CALLS} records, ${READS} record+p99 reads, median of 3 (sink ${sink > 0})`,
);
console.log(
  `${'estimator'.padEnd(28)} ${'record ns'.padStart(10)} ${'record+p99 ns'.padStart(14)} ${'p99 (ms)'.padStart(9)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(28)} ${r.record.toFixed(0).padStart(10)} ${r.read.toFixed(0).padStart(14)} ${r.p99.toFixed(2).padStart(9)}`,
  );
}
