import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFault,
  type FaultDeps,
  ToxicFault,
  ToxiproxyApiError,
  ToxiproxyHttpTarget,
} from '../../../src/chaos/faults/index.js';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { faultContext } from './helpers.js';

let upstream: Server;
let proxy: ProxyServer;
let proxiedUrl: string;

beforeEach(async () => {
  upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startProxyServer({ port: 0, seed: 1 });
  const created = await proxy.createProxy({
    name: 'api',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
  proxiedUrl = `http://${created.listen}/`;
});

afterEach(async () => {
  await proxy.close();
  await new Promise<void>((r) => {
    upstream.close(() => r());
    upstream.closeAllConnections();
  });
});

/** Time of one fresh request through the proxy (new connection each time). */
async function timedGet(): Promise<number> {
  const t0 = performance.now();
  const res = await request(proxiedUrl, { reset: true });
  expect(await res.body.text()).toBe('ok');
  return performance.now() - t0;
}

const latencySpec = {
  kind: 'toxic',
  name: 'slow-api',
  proxy: 'api',
  toxic: { type: 'latency', attributes: { latency: 2000 } },
} as const;

describe.each([
  ['the Toxiproxy-compatible HTTP API', (): [object, FaultDeps] => [{ api: proxy.url }, {}]],
  ['the in-process proxy server', (): [object, FaultDeps] => [{}, { toxics: proxy }]],
])('toxic through %s', (_label, target) => {
  it('adds a latency toxic (slower responses) and deletes it on revert', async () => {
    const [extra, deps] = target();
    const fault = createFault({ ...latencySpec, ...extra }, deps);
    expect(fault).toBeInstanceOf(ToxicFault);
    expect(await timedGet()).toBeLessThan(1500);

    await fault.inject(faultContext());
    expect(proxy.listToxics('api')).toMatchObject([
      { name: 'slow-api', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 2000 } },
    ]);
    expect(await timedGet()).toBeGreaterThanOrEqual(1995);

    await fault.revert();
    expect(proxy.listToxics('api')).toEqual([]);
    expect(await timedGet()).toBeLessThan(1500);
    await fault.revert();
  });

  it('revert is fine when the toxic is already gone', async () => {
    const [extra, deps] = target();
    const fault = createFault({ ...latencySpec, ...extra }, deps);
    await fault.inject(faultContext());
    proxy.removeToxic('api', 'slow-api');
    await expect(fault.revert()).resolves.toBeUndefined();
  });
});

describe('ToxiproxyHttpTarget', () => {
  it("surfaces the API's errors with their status", async () => {
    const api = new ToxiproxyHttpTarget(proxy.url);
    const err = await Promise.resolve(
      api.addToxic('api', {
        name: 'x',
        type: 'no_such_toxic',
        stream: 'downstream',
        toxicity: 1,
        attributes: {},
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToxiproxyApiError);
    expect((err as ToxiproxyApiError).status).toBe(400);
    expect((err as Error).message).toContain('invalid toxic type');
    const missing = await Promise.resolve(api.removeToxic('nope', 'x')).catch((e: unknown) => e);
    expect((missing as ToxiproxyApiError).status).toBe(404);
  });

  it('a toxic fault without api URL or in-process proxy fails at build time', () => {
    expect(() => createFault(latencySpec, {})).toThrow(/no "api" URL and no in-process proxy/);
  });
});
