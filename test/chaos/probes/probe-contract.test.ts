import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  type Probe,
  type ProbeContext,
  probeSpecSchema,
} from '../../../src/chaos/probes/index.js';
import { SeededRandom } from '../../../src/common/rng.js';

// One contract for every Probe implementation: it says its wire name, returns a value JSON can
// hold, and gives up promptly when the run's signal aborts even if its target never answers.

let hang: Server;
let hangPort = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts connections and requests, never answers.
  hang = createServer(() => {});
  hang.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  hangPort = (hang.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => hang.close(r));
});

const load = {
  stats: () => ({ requests: 10, errors: 1, error_rate: 0.1, rps: 10, p99_ms: 12 }),
};

function ctx(signal: AbortSignal): ProbeContext {
  return { signal, rng: new SeededRandom(1), load, processes: { pidOf: () => process.pid } };
}

const cases: { type: string; make: () => Probe }[] = [
  {
    type: 'http',
    make: () =>
      createProbe(
        probeSpecSchema.parse({ type: 'http', url: `http://127.0.0.1:${hangPort}/`, timeout_ms: 60_000 }),
      ),
  },
  {
    type: 'tcp',
    make: () => createProbe(probeSpecSchema.parse({ type: 'tcp', port: hangPort, timeout_ms: 60_000 })),
  },
  { type: 'process', make: () => createProbe(probeSpecSchema.parse({ type: 'process', name: 'self' })) },
  { type: 'load', make: () => createProbe(probeSpecSchema.parse({ type: 'load', metric: 'error_rate' })) },
  {
    type: 'function',
    make: () =>
      createProbe(probeSpecSchema.parse({ type: 'function', fn: (c: ProbeContext) => c.rng.int(1, 6) })),
  },
];

describe.each(cases)('Probe contract: $type', ({ type, make }) => {
  it('reports its wire name', () => {
    expect(make().type).toBe(type);
  });

  it('settles promptly once the signal aborts, whatever its target does', async () => {
    const ac = new AbortController();
    const started = performance.now();
    const settled = make()
      .run(ctx(ac.signal))
      .then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => ({ ok: false as const, err }),
      );
    setTimeout(() => ac.abort(new Error('run stopped')), 100);
    const r = await settled;
    expect(performance.now() - started).toBeLessThan(5000);
    if (r.ok) expect(JSON.parse(JSON.stringify({ v: r.value ?? null }))).toEqual({ v: r.value ?? null });
  });

  it('settles at once with an already-aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('already stopped'));
    const started = performance.now();
    await make()
      .run(ctx(ac.signal))
      .catch(() => undefined);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
