import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Rig, readBytes, rig } from '../proxy/helpers.js';

describe('latency toxic', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('delays each round trip by at least the configured latency, both streams', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'latency', stream: 'downstream', attributes: { latency: 120 } });
    r.server.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 80, jitter: 0 } });
    const s = await connect(r.port);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      s.write('ping');
      expect((await readBytes(s, 4)).toString()).toBe('ping');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(200 - 2);
    }
    s.destroy();
  });

  it('with jitter stays within latency ± jitter and keeps bytes in order', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'latency', attributes: { latency: 100, jitter: 50 } });
    const s = await connect(r.port);
    const t0 = performance.now();
    const all = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    for (const ch of all) s.write(Buffer.from([ch]));
    expect((await readBytes(s, all.length)).toString()).toBe(all.toString());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50 - 2);
    s.destroy();
  });

  it('toxicity is drawn once per connection: about that share of connections is slowed', async () => {
    r = await rig(undefined, 2024);
    r.server.addToxic('p', { type: 'latency', toxicity: 0.5, attributes: { latency: 400 } });
    const times = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const s = await connect(r.port);
        const t0 = performance.now();
        s.write('a');
        await readBytes(s, 1);
        // A second round trip on the same connection gets the same draw.
        const t1 = performance.now();
        s.write('b');
        await readBytes(s, 1);
        const t2 = performance.now();
        s.destroy();
        return [t1 - t0, t2 - t1] as const;
      }),
    );
    const slow = times.filter(([first]) => first >= 400 - 2);
    expect(slow.length).toBeGreaterThan(4);
    expect(slow.length).toBeLessThan(20);
    for (const [first, second] of slow) expect(second, `first ${first}`).toBeGreaterThanOrEqual(400 - 2);
  });

  it('is drawn per connection with toxicity 0: no delay', async () => {
    r = await rig();
    r.server.addToxic('p', { type: 'latency', toxicity: 0, attributes: { latency: 5000 } });
    const s = await connect(r.port);
    const t0 = performance.now();
    s.write('x');
    await readBytes(s, 1);
    expect(performance.now() - t0).toBeLessThan(2000);
    s.destroy();
  });
});
