import { afterEach, describe, expect, it } from 'vitest';
import { ControlTokenRequiredError } from '../../src/common/http/index.js';
import { type ReferenceService, startService } from '../../src/service/service.js';

const token = 'service-admin-token-0123456789';

describe('reference service: its /admin routes are a control surface', () => {
  let service: ReferenceService | undefined;
  const saved = process.env.FAULTLINE_TOKEN;
  afterEach(async () => {
    await service?.close();
    service = undefined;
    if (saved === undefined) delete process.env.FAULTLINE_TOKEN;
    else process.env.FAULTLINE_TOKEN = saved;
  });

  it('refuses to listen off loopback without a token (exit 2)', async () => {
    delete process.env.FAULTLINE_TOKEN;
    const started = startService({ host: '0.0.0.0', port: 0 });
    await expect(started).rejects.toBeInstanceOf(ControlTokenRequiredError);
    await expect(started).rejects.toMatchObject({ exitCode: 2 });
  });

  it('with FAULTLINE_TOKEN, /admin needs it (401, nothing done) while traffic routes stay open', async () => {
    process.env.FAULTLINE_TOKEN = token;
    service = await startService({ host: '127.0.0.1', port: 0, instanceId: 'svc-token' });
    const refused = await fetch(`${service.url}/admin/memory`, { method: 'POST', body: '{"mb":64}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="faultline"');
    const stats = await fetch(`${service.url}/admin/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { requests: number }).requests).toBeGreaterThan(0);
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
