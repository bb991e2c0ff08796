import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Rig, readBytes, readToEnd, rig } from '../proxy/helpers.js';

describe('timeout toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('lets nothing through and closes the connection after the timeout', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'timeout', attributes: { timeout: 300 } });
    // The timeout runs from when the proxy accepts the connection: start the clock before connecting.
    const t0 = performance.now();
    const s = await connect(r.port);
    const received = readToEnd(s);
    s.write('hello');
    const got = await received;
    expect(got.data.length).toBe(0);
    expect(got.endedAt - t0).toBeGreaterThanOrEqual(300 - 2);
  });

  it('with timeout 0 holds data until the toxic is removed, then delivers it in order', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const s = await connect(r.port);
    let arrived = false;
    const reading = readBytes(s, 10).then((b) => {
      arrived = true;
      return b;
    });
    s.write('01234');
    s.write('56789');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(arrived).toBe(false);
    expect(s.destroyed).toBe(false);
    r.server.removeToxic('p', 'timeout_upstream');
    expect((await reading).toString()).toBe('0123456789');
    s.destroy();
  });
});
