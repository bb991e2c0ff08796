import net from 'node:net';
import { fetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/chaos/process/index.js';
import { sameAddress } from '../../../src/chaos/proxy/address.js';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from './helpers.js';

/**
 * Issue 11: a proxy whose listen/upstream did not change must not be restarted. Addresses are
 * compared by what they mean (host names resolved, every spelling of the wildcard, port 0 on
 * populate), not as text. "Kept" = its toxics and its open connection survive.
 */
function connectV6(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '::1' }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('issue 11: addresses compare by meaning, not by text', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let E: number;
  const open: net.Socket[] = [];

  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) };
  };

  /** A connection through the proxy that echoes; resolves once it has carried a byte. */
  async function openThrough(listen: string): Promise<net.Socket> {
    const s = listen.startsWith('[::1]') ? await connectV6(portOf(listen)) : await connect(portOf(listen));
    s.on('error', () => {});
    open.push(s);
    s.write('a');
    expect((await readBytes(s, 1)).toString()).toBe('a');
    return s;
  }

  /** Whether the proxy named `name` kept its toxic and the connection `s` (which still echoes). */
  async function kept(name: string, s: net.Socket): Promise<boolean> {
    const toxics = server.listToxics(name);
    if (s.destroyed || s.readableEnded) return false;
    const echoed = readBytes(s, 1).then(
      (b) => b.toString() === 'z',
      () => false,
    );
    s.write('z');
    return toxics.length === 1 && (await echoed);
  }

  beforeEach(async () => {
    echo = await echoServer();
    E = echo.port;
    server = await startProxyServer({ port: 0, seed: 11 });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    await server.close();
    await echo.close();
  });

  it('the reported input: /populate with listen localhost:L twice keeps the proxy, its toxics and connections', async () => {
    const L = await freePort();
    const body = [{ name: 'svc', listen: `localhost:${L}`, upstream: `127.0.0.1:${E}` }];
    const first = await call('POST', '/populate', body);
    expect(first.status).toBe(201);
    expect(first.json.proxies[0].listen).toBe(`127.0.0.1:${L}`);
    await call('POST', '/proxies/svc/toxics', { type: 'latency', attributes: { latency: 1 } });
    const s = await openThrough(first.json.proxies[0].listen);
    const again = await call('POST', '/populate', body);
    expect(again.status).toBe(201);
    expect(again.json.proxies[0]).toMatchObject({ listen: `127.0.0.1:${L}`, enabled: true });
    expect((await call('GET', '/proxies/svc/toxics', undefined)).json).toHaveLength(1);
    expect(await kept('svc', s)).toBe(true);
  });

  // [created with, populated again with, kept?]: each form of the same address, and controls.
  const populateCases: Array<[string, string, boolean]> = [
    ['localhost:L', '127.0.0.1:L', true],
    ['127.0.0.1:L', 'localhost:L', true],
    ['localhost:L', 'LOCALHOST:L', true],
    ['0.0.0.0:L', ':L', true],
    ['0.0.0.0:L', '[::]:L', true],
    [':L', '0.0.0.0:L', true],
    [':L', '[0:0:0:0:0:0:0:0]:L', true],
    ['[::1]:L', '[0:0::1]:L', true],
    ['127.0.0.1:0', 'localhost:0', true],
    ['127.0.0.1:0', '127.0.0.1:0', true],
    // Controls: these do mean another address.
    ['localhost:L', '127.0.0.2:L', false],
    ['127.0.0.1:L', '127.0.0.1:M', false],
    ['0.0.0.0:L', '127.0.0.1:L', false],
    ['localhost:0', '127.0.0.1:M', false],
  ];
  for (const [created, again, keep] of populateCases) {
    it(`/populate: listen ${created} then ${again} → ${keep ? 'kept' : 'replaced'}`, async () => {
      const L = await freePort();
      const M = await freePort();
      const fill = (a: string) => a.replace(/:L$/, `:${L}`).replace(/:M$/, `:${M}`);
      const first = await server.populate([
        { name: 'svc', listen: fill(created), upstream: `127.0.0.1:${E}` },
      ]);
      server.addToxic('svc', { type: 'latency', attributes: { latency: 1 } });
      const s = await openThrough(first[0]!.listen.replace(/^(0\.0\.0\.0|\[::\])/, '127.0.0.1'));
      const second = await server.populate([
        { name: 'svc', listen: fill(again), upstream: `127.0.0.1:${E}` },
      ]);
      expect(await kept('svc', s)).toBe(keep);
      if (keep) expect(second[0]!.listen).toBe(first[0]!.listen);
    });
  }

  const upstreamCases: Array<[string, string, boolean]> = [
    ['127.0.0.1:E', 'localhost:E', true],
    ['localhost:E', '127.0.0.1:E', true],
    ['[::ffff:127.0.0.1]:E', '[::ffff:7f00:1]:E', true],
    ['127.0.0.1:E', '127.0.0.1:M', false],
  ];
  for (const [created, again, keep] of upstreamCases) {
    it(`/populate: upstream ${created} then ${again} → ${keep ? 'kept' : 'replaced'}`, async () => {
      const M = await freePort();
      const fill = (a: string) => a.replace(/:E$/, `:${E}`).replace(/:M$/, `:${M}`);
      const first = await server.populate([{ name: 'svc', upstream: fill(created) }]);
      server.addToxic('svc', { type: 'latency', attributes: { latency: 1 } });
      const s = await openThrough(first[0]!.listen);
      await server.populate([{ name: 'svc', listen: first[0]!.listen, upstream: fill(again) }]);
      expect(await kept('svc', s)).toBe(keep);
    });
  }

  // PATCH / POST /proxies/{p}: [patch body, kept?] for a proxy at 127.0.0.1:L → 127.0.0.1:E.
  const updateCases: Array<[string, Record<string, string>, boolean]> = [
    ['PATCH', { listen: 'localhost:L' }, true],
    ['POST', { listen: 'localhost:L' }, true],
    ['PATCH', { listen: '127.0.0.1:L', upstream: 'localhost:E' }, true],
    ['PATCH', { upstream: '[::ffff:127.0.0.1]:E' }, false],
    ['PATCH', { listen: '127.0.0.1:M' }, false],
    // Port 0 on an update asks for a new free port, as Toxiproxy's Update does.
    ['PATCH', { listen: '127.0.0.1:0' }, false],
  ];
  for (const [method, patch, keep] of updateCases) {
    it(`${method} /proxies/svc ${JSON.stringify(patch)} → ${keep ? 'kept' : 'restarted'}`, async () => {
      const L = await freePort();
      const M = await freePort();
      const fill = (a: string) => a.replace(/:L$/, `:${L}`).replace(/:M$/, `:${M}`).replace(/:E$/, `:${E}`);
      await server.createProxy({ name: 'svc', listen: `127.0.0.1:${L}`, upstream: `127.0.0.1:${E}` });
      server.addToxic('svc', { type: 'latency', attributes: { latency: 1 } });
      const s = await openThrough(`127.0.0.1:${L}`);
      const body = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, fill(v)]));
      const res = await call(method, '/proxies/svc', body);
      expect(res.status).toBe(200);
      expect(await kept('svc', s)).toBe(keep);
      if (keep) expect(res.json.listen).toBe(`127.0.0.1:${L}`);
      else await openThrough(res.json.listen); // the restarted proxy serves on its new address
    });
  }

  it('config at start (--config, as populate) then /populate with the same host-name listen keeps the proxy', async () => {
    const L = await freePort();
    const config = [{ name: 'cfg', listen: `localhost:${L}`, upstream: `localhost:${E}` }];
    const started = await startProxyServer({ port: 0, seed: 1, config });
    try {
      expect(started.getProxy('cfg').listen).toBe(`127.0.0.1:${L}`);
      started.addToxic('cfg', { type: 'latency', attributes: { latency: 1 } });
      const s = await openThrough(`127.0.0.1:${L}`);
      await started.populate(config);
      expect(started.listToxics('cfg')).toHaveLength(1);
      s.write('q');
      expect((await readBytes(s, 1)).toString()).toBe('q');
    } finally {
      await started.close();
    }
  });

  it('sameAddress: unresolvable names equal only themselves; ports compare as numbers', async () => {
    expect(await sameAddress('no-such-host.invalid:1', 'no-such-host.invalid:1')).toBe(true);
    expect(await sameAddress('127.0.0.1:1', 'no-such-host.invalid:1')).toBe(false);
    expect(await sameAddress('127.0.0.1:80', '127.0.0.1:080')).toBe(true);
    expect(await sameAddress('127.0.0.1:80', '127.0.0.1:0')).toBe(false);
    expect(await sameAddress('127.0.0.1:80', '127.0.0.1:0', { anyPort: true })).toBe(true);
  });
});
