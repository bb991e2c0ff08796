import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closed,
  connect,
  echoServer,
  portOf,
  type Rig,
  readBytes,
  readToEnd,
  rig,
  waitFor,
} from './helpers.js';

function resourceCount(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

describe('connections', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  it('down closes the listener and every connection; up listens again on the same address', async () => {
    r = await rig();
    const s = await connect(r.port);
    s.write('a');
    await readBytes(s, 1);
    const gone = readToEnd(s);
    const down = await r.server.updateProxy('p', { enabled: false });
    expect(down.enabled).toBe(false);
    await gone;
    expect(r.server.connectionCount('p')).toBe(0);
    await expect(connect(r.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const up = await r.server.updateProxy('p', { enabled: true });
    expect(up.enabled).toBe(true);
    expect(portOf(up.listen)).toBe(r.port);
    const s2 = await connect(r.port);
    s2.write('b');
    expect((await readBytes(s2, 1)).toString()).toBe('b');
    s2.destroy();
  });

  it('an unreachable upstream closes the client connection and the proxy keeps serving others', async () => {
    r = await rig();
    // A port that was free a moment ago: nothing listens there.
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const broken = await r.server.createProxy({ name: 'broken', upstream: `127.0.0.1:${deadPort}` });

    const s = await connect(portOf(broken.listen));
    const got = await readToEnd(s);
    expect(got.data.length).toBe(0);
    await waitFor(() => r.server.connectionCount('broken') === 0, 5000, 'link cleanup');

    const ok = await connect(r.port);
    ok.write('still here');
    expect((await readBytes(ok, 10)).toString()).toBe('still here');
    ok.destroy();
    expect(r.server.getProxy('broken').enabled).toBe(true);
  });

  it('1,000 connections opened and closed leave no open handle behind', async () => {
    r = await rig();
    const before = resourceCount();
    for (let batch = 0; batch < 10; batch++) {
      const sockets = await Promise.all(Array.from({ length: 100 }, () => connect(r.port)));
      await Promise.all(
        sockets.map(async (s, i) => {
          s.write(`m${i}`);
          await readBytes(s, `m${i}`.length);
          s.end();
          await closed(s);
        }),
      );
    }
    await waitFor(() => r.server.connectionCount() === 0, 10_000, 'proxy connections to close');
    await waitFor(() => r.upstream.sockets.size === 0, 10_000, 'upstream sockets to close');
    const stats = r.server.stats().get('p')!;
    expect(stats.connectionsTotal).toBe(1000);
    expect(stats.connectionsActive).toBe(0);
    await waitFor(
      () => (resourceCount().get('TCPSocketWrap') ?? 0) <= (before.get('TCPSocketWrap') ?? 0),
      10_000,
      'TCP handles to be released',
    );
    const after = resourceCount();
    expect(after.get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(before.get('TCPSocketWrap') ?? 0);
    expect(after.get('Timeout') ?? 0).toBeLessThanOrEqual((before.get('Timeout') ?? 0) + 2);
  }, 60_000);

  it('deleting a proxy closes its listener and connections; other proxies are untouched', async () => {
    r = await rig();
    const other = await echoServer();
    const second = await r.server.createProxy({ name: 'q', upstream: `127.0.0.1:${other.port}` });
    const a = await connect(r.port);
    const b = await connect(portOf(second.listen));
    const aGone = readToEnd(a);
    await r.server.deleteProxy('p');
    await aGone;
    await expect(connect(r.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    b.write('fine');
    expect((await readBytes(b, 4)).toString()).toBe('fine');
    b.destroy();
    await other.close();
  });

  it('keeps half-close: the client FIN reaches the upstream, the response still comes back', async () => {
    r = await rig();
    const s = await connect(r.port);
    const got = readToEnd(s);
    s.end('request-then-fin');
    expect((await got).data.toString()).toBe('request-then-fin');
  });
});
