import { afterEach, describe, expect, it } from 'vitest';
import { connect, pattern, type Rig, readBytes, readToEnd, rig, tcpServer } from '../proxy/helpers.js';

describe('bandwidth toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('limits throughput to the rate within ±20 %, measured over more than a second', async () => {
    // Upstream sends 300 KB as fast as it can; the proxy must spread it over ~1.5 s at 200 KB/s.
    const size = 300_000;
    const rate = 200; // KB/s
    const upstream = await tcpServer((s) => {
      s.write(pattern(size));
      s.end();
    });
    r = await rig(upstream);
    r.server.addToxic('p', { type: 'bandwidth', attributes: { rate } });
    const s = await connect(r.port);
    // Measure from the first chunk to the end: the first piece leaves without waiting.
    let first: { at: number; bytes: number } | undefined;
    s.once('data', (d: Buffer) => {
      first = { at: performance.now(), bytes: d.length };
    });
    const got = await readToEnd(s);
    expect(got.data.equals(pattern(size))).toBe(true);
    const seconds = (got.endedAt - first!.at) / 1000;
    expect(seconds).toBeGreaterThan(1);
    const measured = (size - first!.bytes) / 1000 / seconds;
    expect(measured).toBeGreaterThan(rate * 0.8);
    expect(measured).toBeLessThan(rate * 1.2);
    s.destroy();
  });

  it('rate 0 means unlimited', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'bandwidth', attributes: { rate: 0 } });
    const s = await connect(r.port);
    s.write(pattern(1_000_000));
    expect((await readBytes(s, 1_000_000)).equals(pattern(1_000_000))).toBe(true);
    s.destroy();
  });
});
