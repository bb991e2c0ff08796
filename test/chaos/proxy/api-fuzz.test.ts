import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { damage, edgeValue, fuzzParams, mutate, mutation, textDamage } from '../../common/fuzz.js';
import { echoServer, type TestServer } from './helpers.js';

const baseline = { name: 'baseline', type: 'latency', stream: 'downstream', attributes: { latency: 10 } };

/** Whether every `listen` in a document stays on loopback (the fuzzer must not open public ports). */
function listensOnLoopbackOnly(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.every(listensOnLoopbackOnly);
  if (doc === null || typeof doc !== 'object') return true;
  return Object.entries(doc).every(([k, v]) =>
    k === 'listen' && typeof v === 'string' ? v.startsWith('127.0.0.1:') : listensOnLoopbackOnly(v),
  );
}

describe('fault proxy API under fuzzing (fast-check, seeded)', () => {
  let server: ProxyServer;
  let echo: TestServer;
  let lease: string;

  /** Everything a request could change: proxies (with their toxics) and the base lease. */
  const snapshot = (): string =>
    JSON.stringify({
      proxies: server.listProxies(),
      toxics: server.listToxics('base'),
      lease: server.getLease(lease),
    });

  /** Back to one proxy `base` with one toxic `baseline`. */
  async function restore(): Promise<void> {
    for (const name of Object.keys(server.listProxies())) await server.deleteProxy(name);
    await server.createProxy({ name: 'base', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    server.addToxic('base', baseline);
  }

  beforeAll(async () => {
    echo = await echoServer();
    server = await startProxyServer({ port: 0, seed: 14 });
    lease = server.createLease({ ttl_ms: 600_000 }).id;
    await restore();
  });
  afterAll(async () => {
    await server.close();
    await echo.close();
  });

  // No traffic flows in this test: the upstream only has to be a valid address.
  const validProxy = () => ({ name: 'fuzzed', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  const endpoints = [
    { method: 'POST', path: '/proxies', base: validProxy() },
    {
      method: 'POST',
      path: '/populate',
      base: [validProxy(), { ...validProxy(), name: 'other', toxics: [{ ...baseline, name: 't' }] }],
    },
    { method: 'POST', path: '/proxies/base', base: { enabled: false } },
    { method: 'PATCH', path: '/proxies/base', base: { upstream: '127.0.0.1:1' } },
    {
      method: 'POST',
      path: '/proxies/base/toxics',
      base: { name: 'new', type: 'timeout', stream: 'upstream', toxicity: 0.5, attributes: { timeout: 100 } },
    },
    {
      method: 'POST',
      path: '/proxies/base/toxics/baseline',
      base: { attributes: { latency: 5, jitter: 1 } },
    },
    { method: 'POST', path: '/leases', base: { ttl_ms: 60_000 } },
    { method: 'POST', path: '/leases/:lease/renew', base: { ttl_ms: 60_000 } },
  ] as const;

  /** A body: a mutated valid one, a random JSON value, damaged JSON text, or random bytes. */
  const request = fc
    .record({
      endpoint: fc.constantFrom(...endpoints),
      kind: fc.constantFrom('mutated', 'value', 'damaged', 'garbage'),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
      value: edgeValue,
      edits: textDamage,
      garbage: fc.string({ unit: 'binary', maxLength: 200 }),
    })
    .map(({ endpoint, kind, mutations, value, edits, garbage }) => {
      const text =
        kind === 'mutated'
          ? JSON.stringify(mutate(endpoint.base, mutations))
          : kind === 'value'
            ? JSON.stringify(value)
            : kind === 'damaged'
              ? damage(JSON.stringify(endpoint.base), edits)
              : garbage;
      return { method: endpoint.method, path: endpoint.path, body: text ?? '' };
    });

  it('answers every body with 2xx or a 4xx JSON error that changed nothing; never 5xx, never a hang', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(r.body);
        } catch {}
        fc.pre(listensOnLoopbackOnly(parsed));
        const before = snapshot();
        const res = await fetch(`${server.url}${r.path.replace(':lease', lease)}`, {
          method: r.method,
          body: r.body,
          signal: AbortSignal.timeout(2000),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, text).toBeLessThan(500);
        if (res.status >= 400) {
          const error = JSON.parse(text) as { error: unknown; status: unknown };
          expect(error.status).toBe(res.status);
          expect(typeof error.error).toBe('string');
          expect(snapshot()).toBe(before);
        } else {
          await restore();
        }
      }),
      fuzzParams(400),
    );
    // Not vacuous: most inputs were refused, some accepted.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    const accepted = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(refused, JSON.stringify([...statuses])).toBeGreaterThan(200);
    expect(accepted, JSON.stringify([...statuses])).toBeGreaterThan(10);
    const version = await fetch(`${server.url}/version`);
    expect(version.status).toBe(200);
  });
});
