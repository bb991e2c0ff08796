import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/stack/gateway/gateway.js';
import {
  closed,
  gatewayConfig,
  nextMessages,
  openPlain,
  startGateway,
  WsUpstream,
  wsUrl,
} from './ws-fixture.js';

describe('WebSocket proxying (sessions off)', () => {
  let gateway: Gateway | undefined;
  let upstreams: WsUpstream[] = [];
  afterEach(async () => {
    await gateway?.close({ drain: false });
    await Promise.all(upstreams.map((u) => u.stop()));
    gateway = undefined;
    upstreams = [];
  });

  it('relays text and binary both ways, keeps path and query, passes the subprotocol', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(gatewayConfig(upstreams, {}));
    const ws = await openPlain(`${wsUrl(gateway, '/chat/room?x=1')}`, {}, ['chat.v1', 'chat.v2']);
    expect(ws.protocol).toBe('chat.v1');
    const [conn] = await (upstreams[0] as WsUpstream).connections(1);
    expect(conn?.url).toBe('/chat/room?x=1');
    expect(conn?.headers['x-forwarded-for']).toBe('127.0.0.1');
    const got = nextMessages(ws, 1);
    ws.send('echo:hello');
    expect(await got).toEqual(['hello']);
    const bin = new Promise<{ data: Buffer; binary: boolean }>((r) =>
      ws.once('message', (data: Buffer, binary) => r({ data, binary })),
    );
    conn?.ws.send(Buffer.from([1, 2, 3]));
    expect(await bin).toEqual({ data: Buffer.from([1, 2, 3]), binary: true });
    const c = closed(conn?.ws as never);
    ws.close(4001, 'bye');
    expect(await c).toEqual({ code: 4001, reason: 'bye' });
  });

  it('balances connections over the cluster (round robin) and counts them as active requests', async () => {
    upstreams = [await new WsUpstream('a').start(), await new WsUpstream('b').start()];
    gateway = await startGateway(gatewayConfig(upstreams, {}));
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await openPlain(wsUrl(gateway)));
    await (upstreams[0] as WsUpstream).connections(2);
    await (upstreams[1] as WsUpstream).connections(2);
    const hosts = gateway.state().clusters.ws?.hosts ?? [];
    expect(hosts.map((h) => h.activeRequests)).toEqual([2, 2]);
    expect(gateway.state().websocket?.connections).toBe(4);
    const done = clients.map((c) => closed(c));
    for (const c of clients) c.close();
    await Promise.all(done);
  });

  it('tries another host when one refuses the handshake, and answers 502 when all do', async () => {
    upstreams = [await new WsUpstream('a').start(), await new WsUpstream('b').start()];
    gateway = await startGateway(gatewayConfig(upstreams, { maxConnectAttempts: 2 }));
    await (upstreams[0] as WsUpstream).stop();
    for (let i = 0; i < 3; i++) {
      const ws = await openPlain(wsUrl(gateway));
      const got = nextMessages(ws, 1);
      ws.send('echo:x');
      expect(await got).toEqual(['x']);
      ws.terminate();
    }
    await (upstreams[1] as WsUpstream).stop();
    const err = await openPlain(wsUrl(gateway)).catch((e: { status: number; body: string }) => e);
    expect((err as { status: number }).status).toBe(502);
    expect(JSON.parse((err as { body: string }).body).error).toMatch(/handshake failed/);
    expect(gateway.state().websocket?.upstreamFailures).toBe(1);
  });

  it('answers 404 to upgrades outside pathPrefix', async () => {
    upstreams = [await new WsUpstream('a').start()];
    gateway = await startGateway(gatewayConfig(upstreams, { pathPrefix: '/ws' }));
    const err = await openPlain(wsUrl(gateway, '/other')).catch((e: { status: number }) => e);
    expect((err as { status: number }).status).toBe(404);
    const ok = await openPlain(wsUrl(gateway, '/ws/x'));
    ok.terminate();
  });
});
