import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../../src/cli/commands/run-config.js';
import { loadConfigFile } from '../../../src/cli/config/load-config-file.js';
import type { Scenario } from '../../../src/runner/scenario.js';
import { defineParams, paramValues } from '../../../src/runner/scenario-params.js';
import { sampleJournal } from '../../report/fixtures.js';
import { fixtureNeeds } from '../run-fixtures.js';
import { runInProcess } from '../run-helpers.js';

const FILE = [
  'safety: { timeout_s: 100, max_duration_s: 50, max_failures: 3 }',
  'monitoring: { enabled: false, log_file: logs/run.jsonl }',
  'isolation: { redis_url: "redis://127.0.0.1:6379/14" }',
  'targets: [faultline, nginx]',
  'overrides:',
  '  network.recorder: { rate: 42 }',
].join('\n');

const params = defineParams({
  rate: { kind: 'rate', default: 10, unit: 'req/s', description: 'load', min: 1 },
  hold_ms: { kind: 'phase', default: 100, unit: 'ms', description: 'hold', min: 0 },
});

/** A scenario that records the parameters its context gives it. */
function recorder(seen: unknown[]): Scenario {
  return {
    id: 'network.recorder',
    category: 'network',
    name: 'recorder',
    title: 'recorder',
    description: 'records its params',
    needs: [],
    params,
    run: async (ctx) => {
      seen.push(paramValues(params, ctx));
      return sampleJournal();
    },
  };
}

describe('flags > environment > file > defaults', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-precedence-'));
    await writeFile(join(dir, 'faultline.config.yaml'), FILE);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves each key from the highest layer that sets it, and says which', async () => {
    const file = await loadConfigFile(undefined, dir);
    const c = resolveRunConfig(
      { timeout: 30 },
      { CHAOS_MAX_DURATION: '20', CHAOS_MONITORING: 'true', REDIS_URL: 'redis://127.0.0.1:6379/13' },
      file,
    );
    expect(c.timeoutMs).toBe(30_000); // flag over file
    expect(c.maxDurationMs).toBe(20_000); // env over file
    expect(c.monitoring).toBe(true); // env over file
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379/13'); // env over file
    expect(c.maxFailures).toBe(3); // file over default
    expect(c.logFile).toBe(join(dir, 'logs/run.jsonl')); // relative to the file
    expect(c.targets).toEqual(['faultline', 'nginx']);
    expect(c.mockExternal).toBe(true); // default
    const source = (key: string) => c.provenance.find((e) => e.key === key);
    expect(source('safety.timeout_s')).toMatchObject({ source: 'flag', via: '--timeout', value: '30 s' });
    expect(source('safety.max_duration_s')).toMatchObject({ source: 'env', via: 'CHAOS_MAX_DURATION' });
    expect(source('safety.max_failures')).toMatchObject({ source: 'file', value: '3' });
    expect(source('mocks.external')).toMatchObject({ source: 'default', value: 'true' });
    expect(source('targets')).toMatchObject({ source: 'file', value: '[faultline, nginx]' });
    // Without the flag and the variables, the file wins over the defaults.
    const fileOnly = resolveRunConfig({}, {}, file);
    expect(fileOnly).toMatchObject({ timeoutMs: 100_000, maxDurationMs: 50_000, monitoring: false });
    expect(resolveRunConfig({}, {}).targets).toEqual(['faultline']);
  });

  it('a false in the file counts as confirmed, with a warning; the flag still needs --yes', async () => {
    await writeFile(join(dir, 'unsafe.yaml'), 'isolation: { enabled: false }\n');
    const c = resolveRunConfig({}, {}, await loadConfigFile('unsafe.yaml', dir));
    expect(c.isolated).toBe(false);
    expect(c.warnings.join('\n')).toContain('isolation is OFF');
    expect(() => resolveRunConfig({ isolation: false }, {})).toThrow(/confirm with --yes/);
  });

  it('--dry-run prints the effective configuration with its sources, and the overridden params', async () => {
    const r = await runInProcess(['--dry-run', '--max-failures', '4'], {
      env: { ENVIRONMENT: 'chaos_test', CI: 'true', CHAOS_MAX_DURATION: '20' },
      scenarios: [recorder([])],
      needs: fixtureNeeds,
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`file: ${join(dir, 'faultline.config.yaml')}`);
    expect(r.stdout).toMatch(/safety\.max_failures +4 +flag --max-failures/);
    expect(r.stdout).toMatch(/safety\.max_duration_s +20 s +env CHAOS_MAX_DURATION/);
    expect(r.stdout).toMatch(/safety\.timeout_s +100 s +file/);
    expect(r.stdout).toMatch(/mocks\.external +true +default/);
    expect(r.stdout).toMatch(/targets +\[faultline, nginx\] +file/);
    expect(r.stdout).toMatch(/rate +42 req\/s +file \(default 10\)/);
    expect(r.stdout).toMatch(/hold_ms +100 ms +default/);
  });

  it('the overrides reach the scenario through its context', async () => {
    const seen: unknown[] = [];
    const r = await runInProcess([], {
      env: { ENVIRONMENT: 'chaos_test', CI: 'true' },
      scenarios: [recorder(seen)],
      needs: fixtureNeeds,
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(seen).toEqual([{ rate: 42, hold_ms: 100 }]);
  });

  it('an override of an unknown parameter is one line, exit 2, before anything runs', async () => {
    await writeFile(join(dir, 'typo.yaml'), 'overrides:\n  network.recorder: { rte: 1 }\n');
    const seen: unknown[] = [];
    const r = await runInProcess(['--config', 'typo.yaml'], {
      env: { ENVIRONMENT: 'chaos_test', CI: 'true' },
      scenarios: [recorder(seen)],
      needs: fixtureNeeds,
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'faultline: config: overrides."network.recorder".rte: unknown parameter; known: rate, hold_ms\n',
    );
    expect(seen).toEqual([]);
  });
});
