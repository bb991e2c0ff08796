import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main.js';
import {
  GatewayConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
} from '../../../src/stack/gateway/load-gateway-config.js';
import { damage, edgeValue, fuzzParams, mutate, mutation, textDamage } from '../../common/fuzz.js';

/** A config that sets most keys, so that mutations reach deep into the schema. */
const rich = {
  listen: { host: '127.0.0.1', port: 0 },
  admin: { host: '127.0.0.1', port: 0, token: 'a-token-of-sixteen-chars' },
  limits: { maxHeaders: 50, maxUrlBytes: 4096, headersTimeoutMs: 5000 },
  trustedProxies: ['10.0.0.0/8', '::1'],
  clusters: {
    api: {
      hosts: [{ url: 'http://127.0.0.1:8081', weight: 2 }, { url: 'http://127.0.0.1:8082' }],
      balancer: 'least_request',
      health: { active: { path: '/healthz', intervalMs: 1000 }, outlier: { consecutive5xx: 5 } },
      timeouts: { connectMs: 500, perTryMs: 1000, overallMs: 3000 },
      connections: { maxPerHost: 10 },
      retry: { maxRetries: 2 },
      breaker: { strategy: { type: 'consecutive', threshold: 5 }, halfOpenAfter: 1000 },
    },
  },
  routes: [
    {
      match: { pathPrefix: '/api', methods: ['GET', 'post'] },
      cluster: 'api',
      rateLimit: { limit: 100, windowMs: 1000, key: 'ip' },
      concurrency: { limit: 10, maxQueue: 5, queueTimeoutMs: 100 },
      cache: { integrity: { key: 'k'.repeat(32) } },
    },
    { cluster: 'api' },
  ],
  drain: { timeoutMs: 1000 },
  seed: 1,
};

const dir = mkdtempSync(join(tmpdir(), 'faultline-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses, and says how it went: a config, or a GatewayConfigError (exit 2) with a message. Anything else throws. */
function outcome(input: unknown): 'valid' | 'invalid' {
  try {
    parseGatewayConfig(input);
    return 'valid';
  } catch (err) {
    if (!(err instanceof GatewayConfigError)) throw err;
    expect(err.exitCode).toBe(2);
    // Every problem names its key: `gateway config: clusters.api.hosts[0].url: expected URL; …`.
    expect(err.message).toMatch(/^gateway config: (\(root\)|[\w$.[\]-]+|[^:]+): ./);
    return 'invalid';
  }
}

describe('gateway config parser under fuzzing (fast-check, seeded)', () => {
  it('the base config is valid (so the mutations start from a real config)', () => {
    expect(outcome(rich)).toBe('valid');
  });

  it('random JSON values: a config or a GatewayConfigError, never another error', () => {
    fc.assert(
      fc.property(edgeValue, (value) => {
        outcome(value);
      }),
      fuzzParams(300),
    );
  });

  it('mutations of a valid config: a config or a GatewayConfigError that names a key', () => {
    let invalid = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        if (outcome(mutate(rich, mutations)) === 'invalid') invalid++;
      }),
      fuzzParams(400),
    );
    // The mutations do break configs (the property is not vacuous).
    expect(invalid).toBeGreaterThan(100);
  });

  it('damaged YAML files: loadGatewayConfig gives a config or a GatewayConfigError', async () => {
    const yaml = stringify(rich);
    await fc.assert(
      fc.asyncProperty(textDamage, async (edits) => {
        const file = join(dir, 'damaged.yaml');
        writeFileSync(file, damage(yaml, edits));
        await loadGatewayConfig(file).catch((err: unknown) => {
          if (!(err instanceof GatewayConfigError)) throw err;
        });
      }),
      fuzzParams(200),
    );
  });

  it('a YAML alias bomb is refused, not expanded', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      lines.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, `${lines.join('\n')}\nclusters: *i\n`);
    await expect(loadGatewayConfig(file)).rejects.toBeInstanceOf(GatewayConfigError);
  });

  it('`faultline gateway --config <mutated file>`: exit 2 and one line, never a stack trace', async () => {
    const samples = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 4 }), { seed: 14, numRuns: 200 });
    const invalid = samples
      .map((m) => mutate(rich, m))
      .filter((c) => outcome(c) === 'invalid')
      .slice(0, 15);
    expect(invalid.length).toBe(15);
    for (const [i, config] of invalid.entries()) {
      const file = join(dir, `cli-${i}.json`);
      writeFileSync(file, JSON.stringify(config) ?? '');
      let stderr = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += chunk.toString();
        return true;
      });
      try {
        expect(await main(['gateway', '--config', file])).toBe(2);
      } finally {
        spy.mockRestore();
      }
      expect(stderr).toMatch(/^faultline: .+\n$/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
