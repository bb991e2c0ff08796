import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fixedPortRange, freePort } from '../../../src/chaos/process/free-port.js';

function ephemeralLow(): number {
  return fixedPortRange({})[1];
}

describe('freePort', () => {
  it('picks below the ephemeral range, so no listen(0) or outgoing connection can take a dead child’s port', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000);
      expect(p).toBeLessThan(ephemeralLow());
    }
  });

  it('never hands out the same port twice in one process, even once it is free again', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('returns a port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
    });
    await new Promise((r) => server.close(r));
  });

  it('gives each vitest worker its own slice of the range', () => {
    const slices = [1, 2, 3, 16].map((id) => fixedPortRange({ VITEST_POOL_ID: String(id) }));
    for (const [i, [lo, hi]] of slices.entries()) {
      expect(lo).toBeLessThan(hi);
      for (const [j, [lo2, hi2]] of slices.entries()) if (i !== j) expect(hi <= lo2 || hi2 <= lo).toBe(true);
    }
    expect(fixedPortRange({ VITEST_POOL_ID: '17' })).toEqual(fixedPortRange({ VITEST_POOL_ID: '1' }));
  });
});
