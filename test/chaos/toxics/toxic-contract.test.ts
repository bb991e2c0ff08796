import { describe, expect, it } from 'vitest';
import { type Receiver, Stage, type StageHost, type StagePlan } from '../../../src/chaos/proxy/stage.js';
import { toxicRegistry } from '../../../src/chaos/toxics/index.js';
import { SeededRandom } from '../../../src/common/rng.js';

/**
 * The contract every toxic meets, run against every registered toxic: however often it is
 * interrupted, restarted or switched off while data flows, what it forwarded followed by what
 * it left queued is exactly what it was given — nothing lost, duplicated or reordered. (Only an
 * explicit drop may remove bytes: http_status drops HTTP requests, and this data is not HTTP.)
 * Adding a toxic to the registry without an entry here fails the suite.
 */
const validAttributes: Record<string, Record<string, unknown>> = {
  latency: { latency: 3, jitter: 2 },
  bandwidth: { rate: 2000 },
  slow_close: { delay: 3 },
  timeout: { timeout: 0 },
  reset_peer: { timeout: 2 },
  slicer: { average_size: 40, size_variation: 10, delay: 100 },
  limit_data: { bytes: 30_000 },
  noop: {},
  http_status: { status: 500 },
  http_latency: { latency: 2 },
};

class MemoryReceiver implements Receiver {
  chunks: Buffer[] = [];
  ended = false;
  push(data: Buffer): void {
    if (this.ended) throw new Error('data after end');
    this.chunks.push(data);
  }
  end(): void {
    this.ended = true;
  }
}

const bytes = (n: number, offset: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (offset + i) % 253;
  return b;
};

describe('Toxic contract', () => {
  it('every registered toxic has contract attributes', () => {
    expect(Object.keys(toxicRegistry).sort()).toEqual(Object.keys(validAttributes).sort());
  });

  for (const [type, toxic] of Object.entries(toxicRegistry)) {
    it(`${type}: interruptions never lose, duplicate or reorder bytes`, async () => {
      const rng = new SeededRandom(type.length * 7919);
      const attributes = toxic.attributes.parse(validAttributes[type]) as object;
      const calls: string[] = [];
      let queued = 0;
      const host: StageHost = {
        onQueued: (d) => {
          queued += d;
        },
        closeConnection: () => calls.push('close'),
        resetConnection: () => calls.push('reset'),
        respond: () => calls.push('respond'),
        onToxicError: (err) => {
          throw err;
        },
      };
      const out = new MemoryReceiver();
      const stage = new Stage({}, host, rng.fork('stage'), out);
      const plan = (active: boolean): StagePlan => ({ toxic, attributes, active, toxicity: 1 });
      stage.apply(plan(true));
      let sent = 0;
      for (let i = 0; i < 60; i++) {
        const n = rng.int(1, 2000);
        stage.push(bytes(n, sent));
        sent += n;
        const roll = rng.next();
        if (roll < 0.2)
          stage.apply(plan(true)); // update: interrupt and restart
        else if (roll < 0.3)
          stage.apply(plan(false)); // not active: pass-through
        else if (roll < 0.4) stage.apply(plan(true));
        if (rng.chance(0.5)) await new Promise((resolve) => setTimeout(resolve, rng.int(0, 3)));
      }
      const { data } = stage.detach();
      const all = Buffer.concat([...out.chunks, ...data]);
      expect(all.length).toBe(sent);
      expect(all.equals(bytes(sent, 0))).toBe(true);
      expect(queued).toBe(0);
      expect(calls.filter((c) => c === 'respond')).toEqual([]);
    });
  }

  it('an end of stream is passed on once the toxic lets it through', async () => {
    for (const type of ['latency', 'slicer', 'bandwidth', 'slow_close', 'noop', 'http_latency']) {
      const toxic = toxicRegistry[type]!;
      const out = new MemoryReceiver();
      const host: StageHost = {
        onQueued: () => {},
        closeConnection: () => {},
        resetConnection: () => {},
        respond: () => {},
        onToxicError: (err) => {
          throw err;
        },
      };
      const stage = new Stage({}, host, new SeededRandom(1), out);
      stage.apply({
        toxic,
        attributes: toxic.attributes.parse(validAttributes[type]) as object,
        active: true,
        toxicity: 1,
      });
      stage.push(bytes(500, 0));
      stage.end();
      const deadline = performance.now() + 5000;
      while (!out.ended && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      expect(out.ended, type).toBe(true);
      expect(Buffer.concat(out.chunks).equals(bytes(500, 0)), type).toBe(true);
    }
  });
});
