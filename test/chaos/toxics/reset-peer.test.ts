import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Rig, readToEnd, rig } from '../proxy/helpers.js';

describe('reset_peer toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('resets the connection after the timeout: the client sees ECONNRESET', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 200 } });
    const s = await connect(r.port);
    const received = readToEnd(s);
    const t0 = performance.now();
    s.write('hello');
    const got = await received;
    expect(got.error?.code).toBe('ECONNRESET');
    expect(got.data.length).toBe(0);
    expect(got.endedAt - t0).toBeGreaterThanOrEqual(200 - 2);
  });

  it('with timeout 0 resets at the first data', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'reset_peer', attributes: { timeout: 0 } });
    const s = await connect(r.port);
    const received = readToEnd(s);
    s.write('hello');
    expect((await received).error?.code).toBe('ECONNRESET');
  });
});
