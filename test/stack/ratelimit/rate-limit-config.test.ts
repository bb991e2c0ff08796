import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { HttpRateLimit } from '../../../src/stack/ratelimit/http-rate-limit.js';
import { rateLimitConfigSchema } from '../../../src/stack/ratelimit/rate-limit-config.js';

const req = (headers: Record<string, string>, ip = '10.0.0.1'): IncomingMessage =>
  ({ headers, socket: { remoteAddress: ip } }) as unknown as IncomingMessage;

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
});
