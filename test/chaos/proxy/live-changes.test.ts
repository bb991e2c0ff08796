import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { connect, pattern, type Rig, readBytes, rig } from './helpers.js';

/**
 * Toxics added, changed and removed while data flows must never lose, duplicate or reorder a
 * byte: a client streams a known pattern through an echo upstream while toxics churn on both
 * streams, and must read back exactly what it wrote.
 */
describe('toxics changed on open connections', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('keeps every byte in order while toxics are added, updated and removed repeatedly', async () => {
    r = await rig(undefined, 99);
    const rng = new SeededRandom(1234);
    const total = 1_500_000;
    const s = await connect(r.port);
    const echoed = readBytes(s, total);
    echoed.catch(() => {}); // awaited below; a failure must not surface as unhandled meanwhile

    let writing = true;
    const writer = (async () => {
      let sent = 0;
      while (sent < total) {
        const n = Math.min(total - sent, rng.int(1, 48_000));
        if (!s.write(pattern(n, sent))) {
          // A closed socket never drains: stop writing, the read below reports the failure.
          await new Promise((resolve) => {
            s.once('drain', resolve);
            s.once('close', resolve);
          });
          if (s.destroyed) break;
        }
        sent += n;
        if (rng.chance(0.3)) await new Promise((resolve) => setTimeout(resolve, rng.int(0, 3)));
      }
      writing = false;
    })();

    const kinds = [
      () => ({ type: 'latency', attributes: { latency: rng.int(0, 15), jitter: rng.int(0, 5) } }),
      () => ({
        type: 'slicer',
        attributes: { average_size: rng.int(200, 3000), size_variation: 100, delay: 100 },
      }),
      () => ({ type: 'bandwidth', attributes: { rate: rng.int(2000, 20000) } }),
      () => ({ type: 'timeout', attributes: { timeout: 0 } }),
      () => ({ type: 'slow_close', attributes: { delay: 10 } }),
      () => ({ type: 'noop', attributes: {} }),
      () => ({ type: 'http_latency', attributes: { latency: 5 } }),
    ];
    const live: string[] = [];
    let ops = 0;
    let counter = 0;
    const deadline = performance.now() + 15_000;
    while ((writing || ops < 150) && performance.now() < deadline) {
      const roll = rng.next();
      if (live.length < 2 || (roll < 0.45 && live.length < 6)) {
        const spec = rng.pick(kinds)();
        const name = `t${counter++}`;
        const stream = spec.type.startsWith('http_') || rng.chance(0.5) ? 'upstream' : 'downstream';
        r.server.addToxic('p', { ...spec, name, stream, toxicity: rng.chance(0.8) ? 1 : 0.5 });
        live.push(name);
      } else if (roll < 0.7) {
        const name = rng.pick(live);
        const t = r.server.getToxic('p', name);
        // Nudge every numeric attribute, except those whose change would end the connection
        // (timeout 0 → 1 closes it) or break a rule (size_variation < average_size).
        const fixed = new Set(['timeout', 'size_variation']);
        const attributes = Object.fromEntries(
          Object.entries(t.attributes).map(([k, v]) => [
            k,
            typeof v === 'number' && !fixed.has(k) ? v + 1 : v,
          ]),
        );
        r.server.updateToxic('p', name, { attributes, toxicity: rng.chance(0.5) ? 1 : 0.3 });
      } else {
        const name = live.splice(rng.int(0, live.length - 1), 1)[0]!;
        r.server.removeToxic('p', name);
      }
      ops++;
      await new Promise((resolve) => setTimeout(resolve, rng.int(1, 8)));
    }
    // Remove the toxics before waiting for the writer: a `timeout` toxic left in place would
    // hold the data and, through backpressure, the writer forever.
    await r.server.reset();
    await writer;
    const got = await echoed;
    expect(ops).toBeGreaterThanOrEqual(150);
    expect(got.length).toBe(total);
    const expected = pattern(total);
    const firstDiff = got.findIndex((b, i) => b !== expected[i]);
    expect(firstDiff).toBe(-1);
    s.destroy();
  }, 40_000);

  it('a toxic added to, changed on and removed from one open connection takes effect each time', async () => {
    r = await rig();
    const s = await connect(r.port);
    const roundTrip = async (): Promise<number> => {
      const t0 = performance.now();
      s.write('x');
      await readBytes(s, 1);
      return performance.now() - t0;
    };
    await roundTrip();
    r.server.addToxic('p', { name: 'lag', type: 'latency', attributes: { latency: 150 } });
    expect(await roundTrip()).toBeGreaterThanOrEqual(150 - 2);
    r.server.updateToxic('p', 'lag', { attributes: { latency: 300 } });
    expect(await roundTrip()).toBeGreaterThanOrEqual(300 - 2);
    r.server.removeToxic('p', 'lag');
    expect(await roundTrip()).toBeLessThan(150);
    s.destroy();
  });
});
