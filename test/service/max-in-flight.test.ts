import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killHard, type SpawnedService, spawnService } from './service-process.js';

async function get(url: string) {
  const res = await request(url);
  const body = (await res.body.json()) as Record<string, unknown>;
  return { status: res.statusCode, headers: res.headers, body };
}

/** Polls /admin/stats (never shed) until `n` requests are in progress besides the poll itself. */
async function untilInFlight(url: string, n: number): Promise<void> {
  for (;;) {
    const stats = await get(`${url}/admin/stats`);
    if ((stats.body.in_flight as number) - 1 >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('reference service MAX_IN_FLIGHT', () => {
  let svc: SpawnedService;

  beforeAll(async () => {
    svc = await spawnService({ INSTANCE_ID: 'svc-cap', MAX_IN_FLIGHT: '2' });
  });
  afterAll(() => killHard(svc));

  it('sheds the request past its capacity with 503 FL_SERVICE_OVERLOADED, never health checks or /admin', async () => {
    const held = [get(`${svc.url}/slow?ms=1500`), get(`${svc.url}/slow?ms=1500`)];
    await untilInFlight(svc.url, 2);

    const shed = await get(`${svc.url}/items`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.body).toMatchObject({ code: 'FL_SERVICE_OVERLOADED', status: 503 });
    expect((await get(`${svc.url}/healthz`)).status).toBe(200);
    const stats = await get(`${svc.url}/admin/stats`);
    expect(stats.status).toBe(200);
    expect((stats.body.by_status as Record<string, number>)['503']).toBe(1);

    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    // Capacity is back once they are done.
    expect((await get(`${svc.url}/items`)).status).toBe(200);
  });

  it('refuses a negative MAX_IN_FLIGHT with one line and exit 2', async () => {
    await expect(spawnService({ MAX_IN_FLIGHT: '-1' })).rejects.toThrow(
      /invalid service config MAX_IN_FLIGHT/,
    );
  });
});
