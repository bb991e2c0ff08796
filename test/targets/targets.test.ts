import { existsSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpOpen } from '../../src/chaos/process/readiness.js';
import { type ReferenceStack, startReferenceStack } from '../../src/suite/harness/reference-stack.js';
import { CAPABILITY_NAMES } from '../../src/targets/capability.js';
import { TargetCapabilityError, UnknownTargetError } from '../../src/targets/target-errors.js';
import { TARGETS, targetNamed } from '../../src/targets/targets.js';
import { alive } from '../support/process-alive.js';

describe('targets registry', () => {
  it('knows faultline, haproxy and nginx, each stating every capability', () => {
    expect(Object.keys(TARGETS)).toEqual(['faultline', 'haproxy', 'nginx']);
    for (const target of Object.values(TARGETS)) {
      expect(Object.keys(target.capabilities).sort()).toEqual([...CAPABILITY_NAMES].sort());
    }
    expect(TARGETS.nginx?.capabilities.active_health_checks).toMatch(/no active health checks/);
    expect(TARGETS.haproxy?.capabilities.active_health_checks).toBe(true);
  });

  it('refuses an unknown name with a usage error (exit 2)', () => {
    expect(() => targetNamed('envoy')).toThrow(UnknownTargetError);
    try {
      targetNamed('envoy');
    } catch (err) {
      expect((err as UnknownTargetError).exitCode).toBe(2);
      expect((err as Error).message).toBe(
        'unknown target "envoy"; valid: faultline, haproxy, nginx, external:FILE',
      );
    }
  });
});

// One integration test per target: the target in front of two real reference instances (each
// behind its fault proxy) serves requests from both, and leaves no process, port or file.
describe.each(['faultline', 'haproxy', 'nginx'])('%s target in front of the reference stack', (name) => {
  let stack: ReferenceStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('serves requests from every instance, then leaves nothing behind', { timeout: 60_000 }, async () => {
    stack = await startReferenceStack({ instances: 2, target: targetNamed(name) });
    expect(stack.target).toBe(name);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const res = await request(`${stack.gatewayUrl}/items?limit=1`);
      expect(res.statusCode).toBe(200);
      seen.add(String(res.headers['x-instance-id']));
      await res.body.dump();
    }
    expect([...seen].sort()).toEqual(['service-1', 'service-2']);
    if (name === 'faultline') {
      expect(stack.unsupported).toEqual([]);
      expect((await stack.upstreams()).clusters.service?.hosts).toHaveLength(2);
    } else {
      // The default config has things no other balancer expresses (a retry budget, say).
      expect(stack.unsupported.some((line) => line.includes('retry.budget'))).toBe(true);
      await expect(stack.upstreams()).rejects.toBeInstanceOf(TargetCapabilityError);
    }
    const pids = stack.supervisor.list().map((p) => p.pid as number);
    const port = Number(new URL(stack.gatewayUrl).port);
    const tmpDir = stack.tmpDir;
    await stack.close();
    stack = undefined;
    for (const pid of pids) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
    expect(await tcpOpen('127.0.0.1', port, 500)).toBe(false);
    expect(existsSync(tmpDir)).toBe(false);
  });
});
