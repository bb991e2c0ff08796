import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/common/rng.js';
import type { Gateway } from '../../../src/stack/gateway/gateway.js';
import { ResilientWebSocket } from '../../../src/ws-client/index.js';
import {
  closed,
  gatewayConfig,
  nextMessages,
  openPlain,
  REDIS_URL,
  SECRET,
  startGateway,
  testPrefix,
  until,
  WsUpstream,
  wsUrl,
} from './ws-fixture.js';

/** Collects a client's messages and resolves when `n` have arrived. */
function collect(client: ResilientWebSocket): { got: string[]; until: (n: number) => Promise<void> } {
  const got: string[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  client.onMessage(({ data }) => {
    got.push(data.toString());
    if (waiter && got.length >= waiter.n) waiter.resolve();
  });
  return {
    got,
    until: (n) =>
      got.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve })),
  };
}

describe('WebSocket sessions and resume (real Redis, db 15)', () => {
  const gateways: Gateway[] = [];
  const clients: ResilientWebSocket[] = [];
  let upstreams: WsUpstream[] = [];
  const keys = testPrefix();
  const sessions = (over: Record<string, unknown> = {}) => ({
    secret: SECRET,
    redisUrl: REDIS_URL,
    keyPrefix: keys.prefix,
    ...over,
  });
  const client = (gateway: Gateway, seed = 1): ResilientWebSocket => {
    const c = new ResilientWebSocket(wsUrl(gateway), {
      backoff: { baseMs: 5, capMs: 50 },
      random: new SeededRandom(seed),
    });
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(gateways.splice(0).map((g) => g.close({ drain: false })));
    await Promise.all(upstreams.map((u) => u.stop()));
    upstreams = [];
    await keys.cleanup();
  });

  it('numbers upstream messages and acknowledges client messages exactly once', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(gw);
    const c = client(gw);
    const opened = await c.ready();
    expect(opened?.resumed).toBe(false);
    const inbox = collect(c);
    c.send('push:3');
    await inbox.until(3);
    expect(inbox.got).toEqual(['u-1', 'u-2', 'u-3']);
    expect(c.lastOffset).toBe(3);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    expect(conn?.headers['x-faultline-session']).toBe(c.sessionId);
    expect(conn?.received).toEqual(['push:3']);
    await until(() => c.buffered === 0);
  });

  it('a client that drops and reconnects gets every message it missed, in order, once', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(gw);
    const c = client(gw);
    await c.ready();
    const inbox = collect(c);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    for (let i = 1; i <= 50; i++) conn?.ws.send(`m${i}`);
    await inbox.until(50);
    // Drop the connection, then send while the client is away.
    c.terminate();
    const reopened = c.ready();
    for (let i = 51; i <= 300; i++) conn?.ws.send(`m${i}`);
    const again = await reopened;
    expect(again).toMatchObject({ resumed: true, gap: false });
    await inbox.until(300);
    expect(inbox.got).toEqual(Array.from({ length: 300 }, (_, i) => `m${i + 1}`));
    expect((upstreams[0] as WsUpstream).conns).toHaveLength(1); // the upstream connection was held
    expect(gw.state().websocket).toMatchObject({ resumed: 1, sessions: 1, detached: 0 });
  });

  it('resumes on another gateway instance: replay from the log, then live from a new upstream connection', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const a = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    const b = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(a, b);
    // Attempts alternate between the instances: the first lands on A, the reconnect on B.
    const c = new ResilientWebSocket([wsUrl(a), wsUrl(b)], {
      backoff: { baseMs: 5, capMs: 50 },
      random: new SeededRandom(2),
    });
    clients.push(c);
    await c.ready();
    const inbox = collect(c);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    for (let i = 1; i <= 10; i++) conn?.ws.send(`m${i}`);
    await inbox.until(10);
    c.terminate();
    for (let i = 11; i <= 20; i++) conn?.ws.send(`m${i}`);
    const opened = await c.ready();
    expect(opened).toMatchObject({ resumed: true });
    const [, conn2] = await (upstreams[0] as WsUpstream).connections(2);
    expect(conn2?.headers['x-faultline-resumed']).toBe('1');
    expect(conn2?.headers['x-faultline-session']).toBe(c.sessionId);
    // A's writes are fenced off now: A lets go of its upstream connection on its next message.
    const oldClosed = closed(conn?.ws as never);
    conn?.ws.send('stale');
    expect((await oldClosed).code).toBe(1001);
    conn2?.ws.send('live');
    await until(() => inbox.got.at(-1) === 'live');
    // Whatever A had logged before B's claim is replayed; order holds, nothing twice, 'stale' never.
    const nums = inbox.got.slice(0, -1).map((m) => Number(m.slice(1)));
    expect(nums.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(nums).toEqual([...new Set(nums)].sort((x, y) => x - y));
    expect(inbox.got).not.toContain('stale');
    expect(a.state().websocket?.sessions).toBe(0);
    expect(b.state().websocket).toMatchObject({ sessions: 1, resumed: 1 });
  });

  it('replays on another instance every message the first one logged while the client was away', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const a = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    const b = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(a, b);
    const first = client(a);
    await first.ready();
    const inbox = collect(first);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    for (let i = 1; i <= 5; i++) conn?.ws.send(`m${i}`);
    await inbox.until(5);
    const snapshot = first.session;
    await first.close();
    for (let i = 6; i <= 20; i++) conn?.ws.send(`m${i}`);
    // Wait until A has logged all 20 (the log is what B replays from).
    const redis = new Redis(REDIS_URL);
    const meta = `${keys.prefix}{${first.sessionId}}:meta`;
    await until(async () => (await redis.hget(meta, 'seq')) === '20');
    await redis.quit();
    const second = new ResilientWebSocket(wsUrl(b), { resumeFrom: snapshot, random: new SeededRandom(3) });
    clients.push(second);
    const inbox2 = collect(second);
    expect(await second.ready()).toMatchObject({ resumed: true, gap: false, sessionId: first.sessionId });
    await inbox2.until(15);
    expect(inbox2.got).toEqual(Array.from({ length: 15 }, (_, i) => `m${i + 6}`));
  });

  it('delivers messages sent while offline exactly once, in order, after resuming', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(gw);
    const c = client(gw);
    await c.ready();
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    c.send('a1');
    c.terminate();
    const reopened = c.ready();
    for (let i = 2; i <= 100; i++) c.send(`a${i}`);
    expect(c.connected).toBe(false);
    await reopened;
    await until(() => (conn?.received.length ?? 0) >= 100);
    expect(conn?.received).toEqual(Array.from({ length: 100 }, (_, i) => `a${i + 1}`));
    await until(() => c.buffered === 0);
  });

  it('drops a repeated client message id (acknowledged twice, forwarded once)', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(gw);
    const ws = await openPlain(wsUrl(gw));
    const [welcome] = await nextMessages(ws, 1);
    expect(JSON.parse(welcome as string)).toMatchObject({ t: 'welcome', resumed: false, c: 0 });
    // Acks are coalesced per batch: wait for the one covering id 2.
    const acked2 = new Promise<void>((resolve) =>
      ws.on('message', (d: Buffer) => {
        if (JSON.parse(d.toString()).c === 2) resolve();
      }),
    );
    ws.send('{"t":"m","c":1,"d":"x"}');
    ws.send('{"t":"m","c":1,"d":"x"}');
    ws.send('{"t":"m","c":2,"d":"y"}');
    await acked2;
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    expect(conn?.received).toEqual(['x', 'y']);
    expect(gw.state().websocket?.duplicatesDropped).toBe(1);
    const bad = closed(ws);
    ws.send('not json');
    expect((await bad).code).toBe(1007);
  });

  it('a forged or expired token starts a new session', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions() }));
    gateways.push(gw);
    const ws = await openPlain(`${wsUrl(gw)}?fl_session=abc.def&fl_last=5`);
    const [welcome] = await nextMessages(ws, 1);
    expect(JSON.parse(welcome as string)).toMatchObject({ resumed: false });
    ws.terminate();
  });

  it('reports a gap when the client is further behind than the bounded log', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions({ maxLogMessages: 10 }) }));
    gateways.push(gw);
    const c = client(gw);
    await c.ready();
    const inbox = collect(c);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    c.terminate();
    const reopened = c.ready();
    for (let i = 1; i <= 500; i++) conn?.ws.send(`m${i}`);
    const opened = await reopened;
    expect(opened).toMatchObject({ resumed: true, gap: true });
    // What is replayed is the log's tail, in order, ending at the last message.
    await inbox.until(1);
    await until(async () => !(inbox.got[inbox.got.length - 1] !== 'm500'));
    const nums = inbox.got.map((m) => Number(m.slice(1)));
    expect(nums).toEqual([...nums].sort((x, y) => x - y));
    expect(nums.length).toBeLessThan(500);
  });

  it('ends the session (and its Redis keys) when the resume window passes', async () => {
    upstreams = [await new WsUpstream('u').start()];
    const gw = await startGateway(gatewayConfig(upstreams, { sessions: sessions({ resumeWindowMs: 200 }) }));
    gateways.push(gw);
    const ws = await openPlain(wsUrl(gw));
    const { sid } = JSON.parse((await nextMessages(ws, 1))[0] as string);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    const upstreamClosed = closed(conn?.ws as never);
    ws.terminate();
    expect((await upstreamClosed).code).toBe(1001);
    expect(gw.state().websocket?.sessions).toBe(0);
    const redis = new Redis(REDIS_URL);
    await until(async () => (await redis.exists(`${keys.prefix}{${sid}}:meta`)) === 0);
    await redis.quit();
  });
});
