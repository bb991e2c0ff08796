import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Rig, readToEnd, rig, tcpServer } from '../proxy/helpers.js';

describe('slow_close toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('delivers the data at once but delays the close by `delay`', async () => {
    const upstream = await tcpServer((s) => s.end('bye'));
    r = await rig(upstream);
    r.server.addToxic('p', { type: 'slow_close', attributes: { delay: 400 } });
    const t0 = performance.now();
    const s = await connect(r.port);
    let dataAt = 0;
    s.once('data', () => {
      dataAt = performance.now();
    });
    const got = await readToEnd(s);
    expect(got.data.toString()).toBe('bye');
    expect(dataAt - t0).toBeLessThan(got.endedAt - t0);
    expect(got.endedAt - t0).toBeGreaterThanOrEqual(400 - 2);
  });
});
