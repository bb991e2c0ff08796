import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import type { RequestInfo } from '../../../src/stack/policy/policy.js';
import { createRoutePolicies } from '../../../src/stack/policy/route-policies.js';
import { composeStages } from '../../../src/stack/policy/stages.js';
import { HttpRateLimit, RateLimitRequestMissingError } from '../../../src/stack/ratelimit/http-rate-limit.js';
import { rateLimitConfigSchema } from '../../../src/stack/ratelimit/rate-limit-config.js';
import { RateLimitedError } from '../../../src/stack/ratelimit/rate-limited-error.js';

const req = (headers: Record<string, string>, ip = '10.0.0.1'): RequestInfo => ({
  method: 'GET',
  path: '/',
  headers,
  remoteAddress: ip,
});

describe('rate-limit config', () => {
  it('fills the documented defaults', () => {
    const c = rateLimitConfigSchema.parse({ limit: 10 });
    expect(c).toMatchObject({
      algorithm: 'gcra',
      windowMs: 1000,
      key: 'ip',
      store: { type: 'memory', maxKeys: 100_000 },
      failure: { mode: 'open', timeoutMs: 50, recheckMs: 1000, instances: 1 },
    });
    expect(c.adaptive).toBeUndefined();
    expect(c.priority).toBeUndefined();
  });

  it('names the bad key', () => {
    const r = rateLimitConfigSchema.safeParse({ limit: 10, store: { type: 'redis', url: 'x', bogus: 1 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/bogus/);
    expect(rateLimitConfigSchema.safeParse({ limit: 0 }).success).toBe(false);
  });

  it('keys requests by IP, header (falling back to IP), route or globally', () => {
    const clock = new ManualClock();
    expect(new HttpRateLimit({ limit: 1 }, { clock }).keyOf(req({}), 'r')).toBe('ip:10.0.0.1');
    const byHeader = new HttpRateLimit({ limit: 1, key: { header: 'X-Api-Key' } }, { clock });
    expect(byHeader.keyOf(req({ 'x-api-key': 'abc' }), 'r')).toBe('h:x-api-key:abc');
    expect(byHeader.keyOf(req({}), 'r')).toBe('ip:10.0.0.1');
    expect(new HttpRateLimit({ limit: 1, key: 'route' }, { clock }).keyOf(req({}), 'r')).toBe('route:r');
    expect(new HttpRateLimit({ limit: 1, key: 'global' }, { clock }).keyOf(req({}), 'r')).toBe('global');
  });

  it('admit() refuses past the limit per client and tells critical requests apart', async () => {
    const rl = new HttpRateLimit(
      { limit: 5, windowMs: 60_000, priority: { reservedShare: 0.4 } },
      { clock: new ManualClock(), name: 'api' },
    );
    const a = req({});
    let admitted = 0;
    for (let i = 0; i < 10; i++)
      if (
        await rl.admit(a, 'r').then(
          () => true,
          () => false,
        )
      )
        admitted++;
    expect(admitted).toBe(3);
    expect(rl.isCritical(req({ 'x-priority': 'critical' }))).toBe(true);
    await expect(rl.admit(req({ 'x-priority': 'critical' }), 'r')).resolves.toMatchObject({ allowed: true });
    await expect(rl.admit(req({}, '10.0.0.2'), 'r')).resolves.toMatchObject({ allowed: true, policy: 'api' });
  });

  it("is the chain's rate-limit stage: keys on the request it is given, sets the RateLimit headers of an admitted one", async () => {
    const rl = new HttpRateLimit({ limit: 2, windowMs: 60_000, key: 'route' }, { clock: new ManualClock() });
    const chain = composeStages([{ name: 'rate-limit', policy: rl }]);
    const headers = new Map<string, string>();
    const request: RequestInfo = {
      ...req({}),
      route: 'api',
      setResponseHeader: (name, value) => headers.set(name, value),
    };
    let seen: RequestInfo | undefined;
    await expect(
      chain.execute(
        async (ctx) => {
          seen = ctx.request;
          return 'served';
        },
        undefined,
        request,
      ),
    ).resolves.toBe('served');
    expect(seen).toBe(request);
    expect(rl.keyOf(request)).toBe('route:api');
    expect([...headers.keys()].map((h) => h.toLowerCase()).sort()).toEqual(['ratelimit', 'ratelimit-policy']);
    await chain.execute(async () => 'served', undefined, request);
    const refused = await chain.execute(async () => 'served', undefined, request).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).httpStatus).toBe(429);
    await expect(rl.execute(async () => 'served')).rejects.toBeInstanceOf(RateLimitRequestMissingError);
  });

  it("runs outside the cache slot in a route's composition, so a caller can keep its cache between", async () => {
    const rl = new HttpRateLimit({ limit: 1, windowMs: 60_000 }, { clock: new ManualClock() });
    const policies = createRoutePolicies(
      { retry: { maxRetries: 0 } },
      { stages: [{ name: 'rate-limit', policy: rl }] },
    );
    expect(policies.stages.map((s) => s.name)).toEqual([
      'overall-timeout',
      'rate-limit',
      'retry',
      'per-try-timeout',
    ]);
    const admission = policies.outside('cache');
    expect(admission).toBeDefined();
    let inner = 0;
    const inside = policies.without('rate-limit', 'overall-timeout');
    const serve = () => inside.execute(async () => ++inner);
    await expect(admission?.execute(serve, undefined, req({}))).resolves.toBe(1);
    await expect(admission?.execute(serve, undefined, req({}))).rejects.toBeInstanceOf(RateLimitedError);
    expect(inner).toBe(1);
    expect(createRoutePolicies({}, { deadlines: 'caller' }).outside('cache')).toBeUndefined();
  });
});
