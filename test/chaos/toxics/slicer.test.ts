import { afterEach, describe, expect, it } from 'vitest';
import { sliceSizes } from '../../../src/chaos/toxics/slicer.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { connect, pattern, type Rig, readToEnd, rig, tcpServer } from '../proxy/helpers.js';

describe('slicer toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('slice sizes add up and stay within average ± variation', () => {
    const rng = new SeededRandom(1);
    for (const size of [1, 7, 100, 1000, 65536]) {
      const sizes = sliceSizes(size, { average_size: 100, size_variation: 30, delay: 0 }, rng);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(size);
      for (const s of sizes) expect(s).toBeLessThanOrEqual(130);
    }
  });

  it('delivers one write as many slices, every byte intact and in order', async () => {
    const size = 20_000;
    const upstream = await tcpServer((s) => s.end(pattern(size)));
    r = await rig(upstream);
    r.server.addToxic('p', {
      type: 'slicer',
      attributes: { average_size: 500, size_variation: 100, delay: 2000 },
    });
    const s = await connect(r.port);
    const got = await readToEnd(s);
    expect(got.data.equals(pattern(size))).toBe(true);
    // 40 slices 2 ms apart: even a loaded machine that coalesces some delivers many chunks.
    expect(got.chunks.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...got.chunks.map((c) => c.length))).toBeLessThan(size);
  });
});
