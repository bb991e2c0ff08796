import { existsSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpOpen } from '../../../src/chaos/process/readiness.js';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { type ReferenceStack, startReferenceStack } from '../../../src/suite/harness/reference-stack.js';
import { alive } from '../../support/process-alive.js';

/** Every pid, port and directory the stack owns, read while it runs. */
function footprint(stack: ReferenceStack) {
  const pids = stack.supervisor.list().map((p) => p.pid as number);
  const ports = [
    ...stack.instances.map((i) => i.port),
    ...stack.instances.map((i) => Number(new URL(i.proxiedUrl).port)),
    Number(new URL(stack.gatewayUrl).port),
    Number(new URL(stack.adminUrl ?? '').port),
    stack.proxies.port,
  ];
  return { pids, ports, tmpDir: stack.tmpDir };
}

async function expectNothingLeft(fp: ReturnType<typeof footprint>) {
  for (const pid of fp.pids) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
  for (const port of fp.ports)
    expect(await tcpOpen('127.0.0.1', port, 500), `port ${port} still open`).toBe(false);
  expect(existsSync(fp.tmpDir)).toBe(false);
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, instance: res.headers['x-instance-id'], body: await res.body.text() };
}

describe('reference stack', () => {
  let stack: ReferenceStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('serves through the gateway from every instance, then leaves no process, port or directory behind', async () => {
    stack = await startReferenceStack({ instances: 3, external: true, redis: true });
    const fp = footprint(stack);
    expect(fp.pids).toHaveLength(6); // redis, stub, 3 services, gateway
    expect(stack.supervisor.names().sort()).toEqual(
      ['external-stub', 'gateway', 'redis', 'service-1', 'service-2', 'service-3'].sort(),
    );
    expect(Object.keys(stack.proxies.listProxies()).sort()).toEqual([
      'external',
      'service-1',
      'service-2',
      'service-3',
    ]);

    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await get(`${stack.gatewayUrl}/healthz`);
      expect(res.status).toBe(200);
      seen.add(String(res.instance));
    }
    expect([...seen].sort()).toEqual(['service-1', 'service-2', 'service-3']);

    // The dependency goes through the `external` proxy to the stub process.
    const dep = await get(`${stack.gatewayUrl}/dependency`);
    expect(dep.status).toBe(200);
    expect(dep.body).toContain('external-stub');

    // Items are shared through Redis: written via one instance, read via any.
    const created = await request(`${stack.gatewayUrl}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared' }),
    });
    const { id } = (await created.body.json()) as { id: string };
    for (const instance of stack.instances)
      expect((await get(`${instance.directUrl}/items/${id}`)).status).toBe(200);

    await stack.close();
    stack = undefined;
    await expectNothingLeft(fp);
  });

  it('is torn down by the safety controller’s emergency stop', async () => {
    const safety = new SafetyController({ env: { ENVIRONMENT: 'chaos_test' } });
    stack = await startReferenceStack({ instances: 2, safety });
    const fp = footprint(stack);
    expect(safety.pidOf('service-1')).toBe(stack.instances[0]?.process?.pid);
    const report = await safety.emergencyStop('test');
    expect(report.pending).toEqual([]);
    expect(report.failed).toEqual([]);
    await expectNothingLeft(fp);
    expect(safety.active()).toEqual([]);
  });

  it('is torn down when its signal aborts', async () => {
    const ac = new AbortController();
    stack = await startReferenceStack({ instances: 1, signal: ac.signal });
    const fp = footprint(stack);
    ac.abort();
    await stack.close();
    await expectNothingLeft(fp);
  });

  it('removes what it started when the gateway cannot start', async () => {
    const before = new Set(
      (await import('node:fs')).readdirSync('/tmp').filter((f) => f.startsWith('faultline-stack-')),
    );
    await expect(
      startReferenceStack({
        instances: 1,
        gateway: () => ({ clusters: { service: { hosts: [{ url: 'not a url' }] } } }),
      }),
    ).rejects.toThrow(/exited|not ready/);
    const after = (await import('node:fs'))
      .readdirSync('/tmp')
      .filter((f) => f.startsWith('faultline-stack-'));
    expect(after.filter((f) => !before.has(f))).toEqual([]);
  });
});
