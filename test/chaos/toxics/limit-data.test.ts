import { afterEach, describe, expect, it } from 'vitest';
import { connect, pattern, type Rig, readToEnd, rig } from '../proxy/helpers.js';

describe('limit_data toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('passes exactly `bytes` bytes, then closes the connection', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'limit_data', attributes: { bytes: 1000 } });
    const s = await connect(r.port);
    const received = readToEnd(s);
    s.write(pattern(600));
    s.write(pattern(600, 600));
    const got = await received;
    expect(got.error).toBeUndefined();
    expect(got.data.equals(pattern(1000))).toBe(true);
  });

  it('counts across an update of the toxic', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'limit_data', attributes: { bytes: 2000 } });
    const s = await connect(r.port);
    const received = readToEnd(s);
    s.write(pattern(500));
    await new Promise((resolve) => s.once('data', resolve));
    r.server.updateToxic('p', 'limit_data_downstream', { attributes: { bytes: 800 } });
    s.write(pattern(500, 500));
    const got = await received;
    expect(got.data.equals(pattern(800))).toBe(true);
  });
});
