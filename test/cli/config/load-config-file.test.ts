import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../../src/cli/config/load-config-file.js';
import { isFaultlineError } from '../../../src/common/errors.js';

async function usageMessage(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(isFaultlineError(err) && err.exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('faultline.config.yaml', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses every section', () => {
    const config = parseConfigText(
      [
        'safety: { timeout_s: 120, max_duration_s: 60, max_run_duration_s: 200, max_failures: 2, emergency_budget_ms: 500 }',
        'mocks: { external: true }',
        'monitoring: { enabled: false, log_file: logs/run.jsonl, verbose: true }',
        'isolation: { enabled: true, parallel: true, concurrency: 2, redis_url: "redis://127.0.0.1:6379/14" }',
        'targets: [faultline, haproxy]',
        'scenarios: ["chaos/*.ts"]',
        'overrides:',
        '  network.service-isolation: { rate: 60, fault_ms: 6000 }',
      ].join('\n'),
      'faultline.config.yaml',
    );
    expect(config.safety?.timeout_s).toBe(120);
    expect(config.targets).toEqual(['faultline', 'haproxy']);
    expect(config.overrides?.['network.service-isolation']).toEqual({ rate: 60, fault_ms: 6000 });
  });

  it('an empty file is every default', () => {
    expect(parseConfigText('', 'f.yaml')).toEqual({});
  });

  it('names the file, line, column and key path of a wrong value, in one line', async () => {
    const message = await usageMessage(() =>
      parseConfigText('safety:\n  timeout_s: soon\n', 'faultline.config.yaml'),
    );
    expect(message).toMatch(/^config: faultline\.config\.yaml:2:14: safety\.timeout_s: expected number/);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('an unknown key is an error naming it (typos do not pass silently)', async () => {
    expect(await usageMessage(() => parseConfigText('safety:\n  timeout: 5\n', 'c.yaml'))).toBe(
      'config: c.yaml:2:12: safety.timeout: unknown key (see docs/configuration.md)',
    );
    expect(await usageMessage(() => parseConfigText('isolaton: {}\n', 'c.yaml'))).toContain(
      'isolaton: unknown key',
    );
  });

  it('quotes scenario ids with dots in the key path', async () => {
    const message = await usageMessage(() =>
      parseConfigText('overrides:\n  network.service-isolation: { rate: fast }\n', 'c.yaml'),
    );
    expect(message).toContain('overrides."network.service-isolation".rate: expected number');
  });

  it('malformed YAML is one line with its position', async () => {
    const message = await usageMessage(() => parseConfigText('safety: { timeout_s: 5\n', 'c.yaml'));
    expect(message).toMatch(/^config: c\.yaml:\d+:\d+: not valid YAML: /);
    expect(message.split('\n')).toHaveLength(1);
    expect(await usageMessage(() => parseConfigText('a: 1\na: 2\n', 'c.yaml'))).toContain('not valid YAML');
  });

  it('reads ./faultline.config.yaml when present, --config FILE always (it must exist)', async () => {
    expect(await loadConfigFile(undefined, dir)).toBeUndefined();
    await writeFile(join(dir, 'faultline.config.yaml'), 'targets: [nginx]\n');
    const found = await loadConfigFile(undefined, dir);
    expect(found).toMatchObject({
      path: join(dir, 'faultline.config.yaml'),
      dir,
      config: { targets: ['nginx'] },
    });
    await writeFile(join(dir, 'ci.yaml'), 'safety: { max_failures: 1 }\n');
    expect((await loadConfigFile('ci.yaml', dir))?.config).toEqual({ safety: { max_failures: 1 } });
    expect(await usageMessage(() => loadConfigFile('missing.yaml', dir))).toBe(
      '--config missing.yaml: cannot read the file (ENOENT)',
    );
  });
});
