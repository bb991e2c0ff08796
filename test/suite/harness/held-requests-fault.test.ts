import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import { HeldRequestsFault } from '../../../src/suite/harness/held-requests-fault.js';
import { until } from '../../support/until.js';

/** A server that sheds its first `shed` requests at once (503) and holds every later one open. */
async function startServer(shed: number) {
  let seen = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((_req, res) => {
    if (seen++ < shed) {
      res.writeHead(503).end();
      return;
    }
    held.add(res);
    res.on('close', () => held.delete(res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
  return { url, held, seen: () => seen, close: () => new Promise((r) => server.close(r)) };
}

const ctx = () => ({ rng: new SeededRandom(1), signal: new AbortController().signal });

describe('HeldRequestsFault', () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('sends again a held request that was shed, until `count` are held; revert releases them all', async () => {
    const server = await startServer(4);
    close = server.close;
    const fault = new HeldRequestsFault(server.url, 6, 'hogs', { resendDelayMs: 5 });
    await fault.inject(ctx());
    await until(() => server.held.size === 6, { timeoutMs: 5000, what: '6 held requests' });
    expect(fault.resent).toBe(4);
    expect(fault.outcomes.filter((o) => o === '503')).toHaveLength(4);
    await fault.revert();
    await until(() => server.held.size === 0, { timeoutMs: 5000, what: 'every held request released' });
    expect(fault.outcomes.filter((o) => o === 'aborted')).toHaveLength(6);
    expect(server.seen()).toBe(10);
  });

  it('stops re-sending after maxResends (a bounded loop)', async () => {
    const server = await startServer(1000);
    close = server.close;
    const fault = new HeldRequestsFault(server.url, 2, 'hogs', { maxResends: 5, resendDelayMs: 1 });
    await fault.inject(ctx());
    await until(() => fault.outcomes.length === 7, { timeoutMs: 5000, what: '2 + 5 answers' });
    await fault.revert();
    expect(fault.resent).toBe(5);
    expect(server.seen()).toBe(7);
  });
});
