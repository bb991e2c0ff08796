import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFaultlineError } from '../../../src/common/errors.js';
import {
  GatewayConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
} from '../../../src/stack/gateway/load-gateway-config.js';

function messageOf(input: unknown): string {
  try {
    parseGatewayConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayConfigError);
    expect(isFaultlineError(err) && err.exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('gateway config', () => {
  it('fills Envoy/HAProxy-like defaults', () => {
    const c = parseGatewayConfig({ clusters: { api: { hosts: [{ url: 'http://127.0.0.1:8081' }] } } });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 0 });
    const api = c.clusters.api!;
    expect(api.balancer).toBe('round_robin');
    expect(api.panicThreshold).toBe(50);
    expect(api.connections).toMatchObject({ maxPerHost: 64, queueTimeoutMs: 1000 });
    expect(api.retry).toMatchObject({
      maxRetries: 2,
      retryOn: [502, 503, 504],
      budget: { type: 'rate', windowMs: 10_000, percent: 20, minRetriesPerSecond: 10 },
    });
    expect(api.health.outlier).toMatchObject({
      consecutive5xx: 5,
      baseEjectionMs: 30_000,
      maxEjectionPercent: 10,
    });
    expect(api.health.active).toBeUndefined();
    expect(c.routes).toBeUndefined();
  });

  it('lets a route override only the cluster keys it sets', async () => {
    const { startGateway } = await import('../../../src/stack/gateway/gateway.js');
    const gw = await startGateway({
      clusters: {
        api: {
          hosts: [{ url: 'http://127.0.0.1:9' }],
          timeouts: { perTryMs: 1234, overallMs: 9999 },
          retry: { maxRetries: 4, retryOn: [503] },
        },
      },
      routes: [{ cluster: 'api', timeouts: { overallMs: 777 }, retry: { maxRetries: 0 } }],
    });
    try {
      const route = gw.routes.routes[0]!;
      expect(route.timeouts).toMatchObject({ connectMs: 1000, perTryMs: 1234, overallMs: 777 });
      expect([...route.retryOn]).toEqual([503]);
      expect(route.policies.retry.maxAttempts).toBe(1);
    } finally {
      await gw.close({ drain: false });
    }
    expect(
      messageOf({
        clusters: { a: { hosts: [{ url: 'http://a:1' }] } },
        routes: [{ cluster: 'a', retry: { budget: {} } }],
      }),
    ).toContain('routes[0].retry: unknown key "budget"');
  });

  it('names the key path of every error', () => {
    expect(
      messageOf({ clusters: { api: { hosts: [{ url: 'http://127.0.0.1:1' }, { url: 'not a url' }] } } }),
    ).toContain('clusters.api.hosts[1].url: expected URL');
    expect(messageOf({ clusters: { api: { hosts: [{ url: 'http://a:1/base' }] } } })).toContain(
      'clusters.api.hosts[0].url: expected an origin without a path',
    );
    expect(
      messageOf({ clusters: { api: { hosts: [{ url: 'http://a:1' }, { url: 'http://a:1/' }] } } }),
    ).toContain('clusters.api.hosts[1].url: duplicate host http://a:1');
    expect(messageOf({ clusters: { api: { hosts: [{ url: 'ftp://a:1' }] } } })).toContain('expected URL');
    expect(messageOf({ clusters: { api: { hosts: [{ url: 'http://a:1', wieght: 2 }] } } })).toContain(
      'clusters.api.hosts[0]: unknown key "wieght"',
    );
    expect(messageOf({ clusters: { api: { hosts: [] } } })).toContain(
      'clusters.api.hosts: expected at least one host',
    );
    expect(
      messageOf({ clusters: { api: { hosts: [{ url: 'http://a:1' }], health: { active: { rise: 0 } } } } }),
    ).toContain('clusters.api.health.active.rise');
    expect(
      messageOf({ listen: { port: 70000 }, clusters: { a: { hosts: [{ url: 'http://a:1' }] } } }),
    ).toContain('listen.port');
    expect(
      messageOf({ clusters: { a: { hosts: [{ url: 'http://a:1' }] } }, routes: [{ cluster: 'b' }] }),
    ).toContain('routes[0].cluster: unknown cluster "b"');
    expect(
      messageOf({
        clusters: { a: { hosts: [{ url: 'http://a:1' }] }, b: { hosts: [{ url: 'http://b:1' }] } },
      }),
    ).toContain('routes: required when there is more than one cluster');
  });

  describe('from a file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'faultline-gw-config-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads YAML', async () => {
      const path = join(dir, 'gateway.yaml');
      await writeFile(
        path,
        [
          'listen: { port: 0 }',
          'clusters:',
          '  api:',
          '    balancer: least_request',
          '    hosts:',
          '      - url: http://127.0.0.1:8081',
          '      - url: http://127.0.0.1:8082',
          '        weight: 2',
          'routes:',
          '  - match: { pathPrefix: /api, methods: [get, post] }',
          '    cluster: api',
        ].join('\n'),
      );
      const c = await loadGatewayConfig(path);
      expect(c.clusters.api!.hosts[1]).toEqual({ url: 'http://127.0.0.1:8082', weight: 2 });
      expect(c.routes![0]!.match.methods).toEqual(['GET', 'POST']);
    });

    it('reports a missing file and bad YAML as config errors', async () => {
      await expect(loadGatewayConfig(join(dir, 'missing.yaml'))).rejects.toThrow(
        /cannot read config .*ENOENT/,
      );
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'clusters: [\n');
      await expect(loadGatewayConfig(bad)).rejects.toBeInstanceOf(GatewayConfigError);
    });
  });
});
