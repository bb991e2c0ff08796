import { fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { connect, type Rig, readBytes, rig, waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Faultline extensions: expiring toxics and the dead-man switch', () => {
  let r: Rig;
  afterEach(async () => r?.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${r.server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('start_after_ms: the toxic is listed at once but acts only later', async () => {
    // The schedule runs on a manual clock; the bytes and the latency toxic are real.
    const clock = new ManualClock();
    r = await rig(undefined, 42, clock);
    const t = r.server.addToxic('p', { type: 'latency', start_after_ms: 400, attributes: { latency: 1000 } });
    expect(t.start_after_ms).toBe(400);
    const s = await connect(r.port);
    const t0 = performance.now();
    s.write('a');
    await readBytes(s, 1);
    expect(performance.now() - t0).toBeLessThan(1000);
    clock.advance(399);
    s.write('a');
    await readBytes(s, 1);
    expect(performance.now() - t0).toBeLessThan(1000);
    clock.advance(1);
    const t1 = performance.now();
    s.write('b');
    await readBytes(s, 1);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(1000 - 2);
    s.destroy();
  });

  it('duration_ms: the toxic removes itself, and open connections are freed of it', async () => {
    r = await rig();
    const s = await connect(r.port);
    // The clock of duration_ms starts when the toxic is added.
    const t0 = performance.now();
    const reasons: string[] = [];
    r.server.onToxicRemoved((e) => reasons.push(e.reason));
    const t = r.server.addToxic('p', { type: 'timeout', duration_ms: 300, attributes: { timeout: 0 } });
    expect(t.duration_ms).toBe(300);
    s.write('held');
    expect((await readBytes(s, 4)).toString()).toBe('held');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300 - 2);
    expect(r.server.listToxics('p')).toEqual([]);
    expect(reasons).toEqual(['expired']);
    s.destroy();
  });

  it('a lease kept alive keeps its toxics; when renewals stop they are removed', async () => {
    r = await rig();
    const lease = await post('/leases', { ttl_ms: 1000 });
    expect(lease.status).toBe(201);
    const id = lease.json.id as string;
    expect(lease.json).toMatchObject({ ttl_ms: 1000, toxics: 0 });
    const viaBody = await post('/proxies/p/toxics', { name: 'a', type: 'noop', lease: id });
    expect(viaBody.json.lease).toBe(id);
    const viaHeader = await post(
      '/proxies/p/toxics',
      { name: 'b', type: 'noop' },
      { 'x-faultline-lease': id },
    );
    expect(viaHeader.json.lease).toBe(id);
    r.server.addToxic('p', { name: 'unleased', type: 'noop' });
    const removed: string[] = [];
    r.server.onToxicRemoved((e) => removed.push(`${e.proxy}/${e.toxic.name}:${e.reason}`));

    // Renewed every 200 ms for 1.2 s: well past the TTL, yet the toxics stay.
    for (let i = 0; i < 6; i++) {
      await sleep(200);
      const renewed = await post(`/leases/${id}/renew`, {});
      expect(renewed.status).toBe(200);
      expect(renewed.json.toxics).toBe(2);
    }
    expect(r.server.listToxics('p').map((t) => t.name)).toEqual(['a', 'b', 'unleased']);
    await waitFor(() => r.server.listToxics('p').length === 1, 5000, 'leased toxics to be removed');
    expect(r.server.listToxics('p').map((t) => t.name)).toEqual(['unleased']);
    expect(removed).toEqual(['p/a:lease', 'p/b:lease']);
    expect((await post(`/leases/${id}/renew`, {})).status).toBe(404);
  });

  it('DELETE /leases/{id} ends the lease now and removes its toxics', async () => {
    r = await rig();
    const lease = r.server.createLease({ ttl_ms: 60_000 });
    r.server.addToxic('p', { type: 'latency', attributes: { latency: 10 } }, { lease: lease.id });
    expect(r.server.getLease(lease.id).toxics).toBe(1);
    const res = await fetch(`${r.server.url}/leases/${lease.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(r.server.listToxics('p')).toEqual([]);
    const gone = await fetch(`${r.server.url}/leases/${lease.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'lease not found', status: 404 });
  });
});
