import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFault,
  type FaultDeps,
  ToxicFault,
  ToxiproxyApiError,
  ToxiproxyHttpTarget,
} from '../../../src/chaos/faults/index.js';
import type { ProxyServer } from '../../../src/chaos/proxy/index.js';
import { faultContext } from './helpers.js';
import { type ProxiedUpstream, startProxiedUpstream, timedGet } from './proxied-upstream.js';

let fixture: ProxiedUpstream;
let proxy: ProxyServer;
let proxiedUrl: string;

beforeEach(async () => {
  fixture = await startProxiedUpstream('api', 1);
  ({ proxy, url: proxiedUrl } = fixture);
});

afterEach(() => fixture.close());

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
    expect(await timedGet(proxiedUrl)).toBeLessThan(1500);

    await fault.inject(faultContext());
    expect(proxy.listToxics('api')).toMatchObject([
      { name: 'slow-api', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 2000 } },
    ]);
    expect(await timedGet(proxiedUrl)).toBeGreaterThanOrEqual(1995);

    await fault.revert();
    expect(proxy.listToxics('api')).toEqual([]);
    expect(await timedGet(proxiedUrl)).toBeLessThan(1500);
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
