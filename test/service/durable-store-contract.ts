import { createServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { killHard, type SpawnedService, spawnService } from './service-process.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    body: (await res.body.json()) as { id: string; name: string; version: number },
  };
}

async function getStatus(url: string): Promise<number> {
  const res = await request(url);
  await res.body.dump();
  return res.statusCode;
}

/** The same durability contract for every durable store, run against a real server. */
export function durableStoreContract(name: string, env: () => Record<string, string>) {
  describe(`${name} store`, () => {
    let services: SpawnedService[] = [];
    afterEach(async () => {
      await Promise.all(services.map(killHard));
      services = [];
    });

    it('keeps an acknowledged write when the instance that took it is killed -9', async () => {
      const a = await spawnService({ ...env(), INSTANCE_ID: 'a' });
      services.push(a);
      const created = await post(`${a.url}/items`, { name: 'durable', data: [1, 2] });
      expect(created.status).toBe(201);
      await killHard(a);
      const b = await spawnService({ ...env(), INSTANCE_ID: 'b' });
      services.push(b);
      const res = await request(`${b.url}/items/${created.body.id}`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toMatchObject({ name: 'durable', data: [1, 2], written_by: 'a' });
      const stats = (await (await request(`${b.url}/admin/stats`)).body.json()) as { store: string };
      expect(stats.store).toBe(name);
    });

    it('honours an Idempotency-Key across instances and concurrent requests', async () => {
      const [a, b] = await Promise.all([
        spawnService({ ...env(), INSTANCE_ID: 'a' }),
        spawnService({ ...env(), INSTANCE_ID: 'b' }),
      ]);
      services.push(a, b);
      const key = { 'idempotency-key': `k-${name}-${Date.now()}` };
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => post(`${(i % 2 ? a : b).url}/items`, { name: 'once' }, key)),
      );
      const ids = new Set(answers.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
      expect(answers.filter((r) => r.status === 200)).toHaveLength(9);
    });

    it('replaces with PUT (versions count up) and deletes', async () => {
      const a = await spawnService({ ...env(), INSTANCE_ID: 'a' });
      services.push(a);
      const id = `put-${name}-${Date.now()}`;
      const put = async () => {
        const res = await request(`${a.url}/items/${id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'p' }),
        });
        return { status: res.statusCode, body: (await res.body.json()) as { version: number } };
      };
      expect(await put()).toMatchObject({ status: 201, body: { version: 1 } });
      expect(await put()).toMatchObject({ status: 200, body: { version: 2 } });
      const list = (await (await request(`${a.url}/items?limit=1000`)).body.json()) as {
        items: { id: string }[];
      };
      expect(list.items.map((i) => i.id)).toContain(id);
      const del = await request(`${a.url}/items/${id}`, { method: 'DELETE' });
      await del.body.dump();
      expect(del.statusCode).toBe(204);
      expect(await getStatus(`${a.url}/items/${id}`)).toBe(404);
    });
  });
}
