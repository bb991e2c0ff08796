import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';
import { isFaultlineError } from '../../../src/common/errors.js';
import { NeedChecker } from '../../../src/runner/needs.js';
import { runScenarios } from '../../../src/runner/runner.js';
import type { Scenario } from '../../../src/runner/scenario.js';
import { loadUserScenarios, type ScenarioGlob } from '../../../src/suite/user/load-user-scenarios.js';

const experiment = (url: string, category = 'payments') => `
title: checkout answers
description: the checkout endpoint keeps answering 200
category: ${category}
tags: [mine]
max_duration_ms: 20000
steady_state_hypothesis:
  title: it answers
  probes:
    - name: checkout is 200
      probe: { type: http, url: "${url}" }
      tolerance: 200
method:
  - type: pause
    name: wait a little
    duration_ms: 50
`;

const MODULE = `
const scenario = {
  id: 'payments.from-module',
  category: 'payments',
  name: 'from_module',
  title: 'from a module',
  description: 'a module scenario',
  needs: ['free-ports'],
  params: { rate: { kind: 'rate', default: 5, unit: 'req/s', description: 'load', min: 1 } },
  run: async () => { throw new Error('not run in this test'); },
};
export default scenario;
`;

async function usageMessage(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(isFaultlineError(err) && err.exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('user scenarios', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const builtin: Scenario[] = [];
  const at = (sub: string, pattern = '**/*'): ScenarioGlob[] => [
    { base: join(dir, sub), pattern, from: `--scenarios ${sub}` },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-user-'));
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/checkout`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('loads YAML experiments and TS/JS modules with their own category; ignores tests and package.json', async () => {
    await mkdir(join(dir, 'ok/nested'), { recursive: true });
    await writeFile(join(dir, 'ok/checkout.yaml'), experiment(url));
    await writeFile(
      join(dir, 'ok/nested/module.ts'),
      MODULE.replace('const scenario =', 'const scenario: unknown ='),
    );
    await writeFile(join(dir, 'ok/module.test.mjs'), 'throw new Error("a test file is not a scenario")');
    await writeFile(join(dir, 'ok/package.json'), '{"name": "mine"}');
    const loaded = await loadUserScenarios(at('ok'), builtin, dir);
    expect(loaded.map((s) => [s.id, s.category, s.name, s.source])).toEqual([
      ['payments.checkout', 'payments', 'checkout', join(dir, 'ok/checkout.yaml')],
      ['payments.from-module', 'payments', 'from_module', join(dir, 'ok/nested/module.ts')],
    ]);
    expect(loaded[0]).toMatchObject({ title: 'checkout answers', timeoutMs: 20_000, tags: ['mine'] });
    expect(loaded[1]?.params?.rate?.default).toBe(5);
  });

  it('runs a YAML experiment scenario through the runner like any other', async () => {
    const [scenario] = await loadUserScenarios(at('ok', '*.yaml'), builtin, dir);
    const safety = new SafetyController({ env: { ENVIRONMENT: 'test' } });
    const { results } = await runScenarios({
      scenarios: [scenario as Scenario],
      seed: 1,
      env: { redisUrl: '', databaseUrl: '', mockExternal: true, isolated: true, monitoring: false },
      logger: pino({ level: 'silent' }),
      needs: new NeedChecker({ redisUrl: '', databaseUrl: '' }),
      timeoutMs: 30_000,
      maxScenarioMs: 30_000,
      maxFailures: 1,
      concurrency: 1,
      safety,
    });
    expect(results[0]).toMatchObject({ id: 'payments.checkout', category: 'payments', status: 'passed' });
  });

  it('an invalid YAML experiment: one line naming the file, the key and how many more', async () => {
    await mkdir(join(dir, 'bad-yaml'));
    await writeFile(
      join(dir, 'bad-yaml/broken.yaml'),
      'title: x\nmethod:\n  - type: paws\n    duration_ms: soon\nextra: 1\n',
    );
    const message = await usageMessage(() => loadUserScenarios(at('bad-yaml'), builtin, dir));
    expect(message).toMatch(
      /^bad-yaml\/broken\.yaml:3:11: invalid experiment: method\[0\]\.type: .+ \(and \d+ more: faultline experiment validate bad-yaml\/broken\.yaml\)$/,
    );
  });

  it('a module that throws when loaded: one line naming the file and the error', async () => {
    await mkdir(join(dir, 'throws'));
    await writeFile(
      join(dir, 'throws/boom.mjs'),
      'throw new Error("no database configured\\nsecond line");\n',
    );
    expect(await usageMessage(() => loadUserScenarios(at('throws'), builtin, dir))).toBe(
      'throws/boom.mjs: threw when loaded: no database configured',
    );
  });

  it('a module exporting no valid Scenario names the field', async () => {
    await mkdir(join(dir, 'invalid'));
    await writeFile(
      join(dir, 'invalid/a.mjs'),
      MODULE.replace("id: 'payments.from-module'", "id: 'other.x'"),
    );
    expect(await usageMessage(() => loadUserScenarios(at('invalid'), builtin, dir))).toBe(
      'invalid/a.mjs: not a valid Scenario: id: the id must start with the category and a dot',
    );
    // ESM caches a module by URL: each variant gets its own file.
    await rm(join(dir, 'invalid/a.mjs'));
    await writeFile(
      join(dir, 'invalid/b.mjs'),
      MODULE.replace("category: 'payments'", "category: 'Pay Ments'"),
    );
    expect(await usageMessage(() => loadUserScenarios(at('invalid'), builtin, dir))).toContain(
      'not a valid Scenario: category:',
    );
    await rm(join(dir, 'invalid/b.mjs'));
    await writeFile(join(dir, 'invalid/c.mjs'), 'export const nothing = 1;\n');
    expect(await usageMessage(() => loadUserScenarios(at('invalid'), builtin, dir))).toContain(
      'exports no scenario',
    );
  });

  it('a duplicate id and an empty --scenarios folder are errors', async () => {
    await mkdir(join(dir, 'dup'));
    await writeFile(join(dir, 'dup/a.mjs'), MODULE);
    await writeFile(join(dir, 'dup/b.mjs'), MODULE);
    expect(await usageMessage(() => loadUserScenarios(at('dup'), builtin, dir))).toBe(
      'dup/b.mjs: scenario id payments.from-module is already used by dup/a.mjs',
    );
    await mkdir(join(dir, 'empty'));
    expect(await usageMessage(() => loadUserScenarios(at('empty'), builtin, dir))).toMatch(
      /^--scenarios empty: matches no scenario file/,
    );
  });
});
