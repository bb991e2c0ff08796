import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/stack/gateway/gateway.js';
import {
  closed,
  gatewayConfig,
  nextMessages,
  openPlain,
  startGateway,
  until,
  WsUpstream,
  wsUrl,
} from './ws-fixture.js';

describe('WebSocket limits and heartbeats', () => {
  let gateway: Gateway | undefined;
  let upstreams: WsUpstream[] = [];
  afterEach(async () => {
    await gateway?.close({ drain: false });
    await Promise.all(upstreams.map((u) => u.stop()));
    gateway = undefined;
    upstreams = [];
  });

  it('closes 1009 with a reason on a message over maxMessageBytes (and 1009 past the 2x backstop)', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(gatewayConfig(upstreams, { limits: { maxMessageBytes: 1000 } }));
    const ok = await openPlain(wsUrl(gateway));
    const echoed = nextMessages(ok, 1);
    ok.send(`echo:${'x'.repeat(990)}`);
    expect((await echoed)[0]).toHaveLength(990);
    const big = closed(ok);
    ok.send('x'.repeat(1001));
    expect(await big).toEqual({ code: 1009, reason: 'message of 1001 bytes exceeds 1000' });
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    expect(conn?.received.some((m) => m.length > 1000)).toBe(false);
    const huge = await openPlain(wsUrl(gateway));
    const hugeClosed = closed(huge);
    huge.send('x'.repeat(5000));
    expect((await hugeClosed).code).toBe(1009);
    expect(gateway.state().websocket?.sizeClosed).toBe(1);
  });

  it('negotiates permessage-deflate only when perMessageDeflate is on', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(gatewayConfig(upstreams, {}));
    const plain = await openPlain(wsUrl(gateway), { perMessageDeflate: true });
    expect(plain.extensions).toBe('');
    plain.terminate();
    await gateway.close({ drain: false });
    gateway = await startGateway(gatewayConfig(upstreams, { perMessageDeflate: true }));
    const deflated = await openPlain(wsUrl(gateway), { perMessageDeflate: true });
    expect(deflated.extensions).toContain('permessage-deflate');
    const echoed = nextMessages(deflated, 1);
    deflated.send(`echo:${'z'.repeat(2000)}`);
    expect((await echoed)[0]).toBe('z'.repeat(2000));
    deflated.terminate();
  });

  it('closes 1008 with a reason when a client exceeds its message rate', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(
      gatewayConfig(upstreams, { limits: { messagesPerSecond: 5, messageBurst: 10 } }),
    );
    const ws = await openPlain(wsUrl(gateway));
    const done = closed(ws);
    for (let i = 0; i < 100; i++) ws.send(`m${i}`);
    expect(await done).toEqual({ code: 1008, reason: 'message rate exceeded (5/s)' });
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    // The burst passed, then the 11th message closed the connection (a token may refill meanwhile).
    expect(conn?.received.length).toBeGreaterThanOrEqual(10);
    expect(conn?.received.length).toBeLessThan(100);
    expect(gateway.state().websocket?.rateClosed).toBe(1);
  });

  it('throttles instead when onExceed is throttle: every message arrives, reading was paused', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(
      gatewayConfig(upstreams, {
        limits: { messagesPerSecond: 200, messageBurst: 10, onExceed: 'throttle' },
      }),
    );
    const ws = await openPlain(wsUrl(gateway));
    for (let i = 0; i < 60; i++) ws.send(`m${i}`);
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    await until(() => (conn?.received.length ?? 0) === 60);
    expect(conn?.received).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
    expect(gateway.state().websocket?.throttled).toBeGreaterThan(0);
    expect(ws.readyState).toBe(ws.OPEN);
    ws.terminate();
  });

  it('refuses upgrades past the accept rate with 503 and Retry-After, and past maxConnections', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(
      gatewayConfig(upstreams, { limits: { acceptsPerSecond: 0.001, acceptBurst: 3 } }),
    );
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await openPlain(wsUrl(gateway)));
    const err = (await openPlain(wsUrl(gateway)).catch((e) => e)) as {
      status: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(err.status).toBe(503);
    expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(err.body)).toEqual({ error: 'accept rate exceeded', status: 503 });
    expect(gateway.state().websocket).toMatchObject({ accepted: 3, shed: 1, connections: 3 });
    for (const ws of open) ws.terminate();
    await gateway.close({ drain: false });

    gateway = await startGateway(gatewayConfig(upstreams, { limits: { maxConnections: 2 } }));
    const a = await openPlain(wsUrl(gateway));
    const b = await openPlain(wsUrl(gateway));
    const refused = (await openPlain(wsUrl(gateway)).catch((e) => e)) as { status: number; body: string };
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error).toBe('connection limit 2 reached');
    a.terminate();
    b.terminate();
  });

  it('terminates a peer that stops answering pings within two heartbeat intervals', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(gatewayConfig(upstreams, { heartbeat: { intervalMs: 300 } }));
    const alive = await openPlain(wsUrl(gateway));
    const dead = await openPlain(wsUrl(gateway), { autoPong: false });
    const [c1, c2] = await (upstreams[0] as WsUpstream).connections(2);
    const deadClosed = closed(dead);
    expect((await deadClosed).code).toBe(1006); // terminated: no close frame
    // Its upstream connection goes with it; the live one stays.
    await until(() => c1?.ws.readyState === c1?.ws.CLOSED || c2?.ws.readyState === c2?.ws.CLOSED);
    expect(alive.readyState).toBe(alive.OPEN);
    expect(gateway.state().websocket?.deadPeers).toBe(1);
    alive.terminate();
  });
});
