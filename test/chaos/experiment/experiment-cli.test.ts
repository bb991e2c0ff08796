import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalSchema } from '../../../src/chaos/experiment/index.js';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { TestService } from './test-servers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

function cli(
  args: string[],
  env: Record<string, string>,
  onOutput?: (stdout: string, stderr: string, child: ChildProcess) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      onOutput?.(stdout, stderr, child);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      onOutput?.(stdout, stderr, child);
    });
    child.once('exit', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let service: TestService;
let proxies: ProxyServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-experiment-cli-'));
  service = await TestService.start();
  proxies = await startProxyServer({ port: 0, seed: 1 });
  await proxies.createProxy({ name: 'svc', listen: '127.0.0.1:0', upstream: `127.0.0.1:${service.port}` });
});

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  await proxies.close();
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

function experimentYaml(pauseMs: number, withLoad = false): string {
  const listen = proxies.getProxy('svc').listen;
  // Long enough to overlap the fault even when a loaded machine delays the method by a second or more
  // (with 800 ms the load was sometimes over before the toxic went in: no request under fault).
  const load = withLoad
    ? `load: { kind: http, url: "http://${listen}/health", rate: 40, duration_ms: 2500, timeout_ms: 1000 }\n`
    : '';
  return `${load}title: latency through the proxy
description: the service stays up while its proxy adds latency
tags: [latency]
steady_state_hypothesis:
  frequency_ms: 200
  probes:
    - name: health through the proxy
      probe: { type: http, url: "http://${listen}/health" }
      tolerance: 200
method:
  - type: action
    name: add latency
    fault:
      kind: toxic
      name: slow
      proxy: svc
      api: "${proxies.url}"
      toxic: { type: latency, attributes: { latency: 50 } }
    duration_ms: ${pauseMs}
rollbacks:
  - type: action
    name: reset the proxy
    http: { url: "${proxies.url}/reset", method: POST }
`;
}

describe('faultline experiment', () => {
  it('validate: accepts a good file', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, experimentYaml(100));
    const r = await cli(['experiment', 'validate', file], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `${file}: valid: "latency through the proxy": 1 hypothesis probe(s), 1 method activity (1 fault(s)), 1 rollback(s)`,
    );
  });

  it('validate: a malformed file gives one line per problem with file, line, path and what was expected', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'title: bad',
        'method:',
        '  - type: action',
        '    name: slow',
        '    fault: { kind: toxic, proxy: svc }',
        '    duration_ms: soon',
        '',
      ].join('\n'),
    );
    const r = await cli(['experiment', 'validate', file], {});
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `faultline: ${file}:5:12: method[0].fault.toxic: required: expected object`,
      `${file}:6:18: method[0].duration_ms: expected number, received string`,
    ]);
  });

  it('run: runs the file, reverts the toxic, writes the journal, exit 0', async () => {
    const file = join(dir, 'exp.yaml');
    const journalPath = join(dir, 'out', 'journal.json');
    writeFileSync(file, experimentYaml(300, true));
    const r = await cli(['experiment', 'run', file, '--journal', journalPath, '--seed', '9'], {
      ENVIRONMENT: 'test',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${file}: completed in`);
    expect(r.stdout).toContain('seed 9');
    const journal = journalSchema.parse(JSON.parse(readFileSync(journalPath, 'utf8')));
    expect(journal).toMatchObject({ status: 'completed', deviated: false, seed: 9, tags: ['latency'] });
    expect(journal.faults).toMatchObject([
      { kind: 'toxic', name: 'slow', target: 'svc', revert_reason: 'completed' },
    ]);
    expect(journal.rollbacks).toMatchObject([{ name: 'reset the proxy', status: 'succeeded' }]);
    expect(proxies.listToxics('svc')).toEqual([]);
    // The load went through the proxy, slowed by the toxic while it was there.
    expect(r.stdout).toMatch(/load: \d+ requests, error rate 0\.00 %/);
    expect(journal.metrics.load?.requests).toBeGreaterThan(10);
    expect(journal.metrics.load?.p99_under_fault_ms).toBeGreaterThanOrEqual(45);
  });

  it('run: refuses outside a test environment with exit 3, injecting nothing', async () => {
    const file = join(dir, 'exp.yaml');
    writeFileSync(file, experimentYaml(100));
    const r = await cli(['experiment', 'run', file], { ENVIRONMENT: 'production' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "faultline: safety refused to start: ENVIRONMENT must be one of test, chaos_test, development (got 'production')",
    );
    const off = await cli(['experiment', 'run', file], {
      ENVIRONMENT: 'test',
      REDIS_URL: 'redis://cache.internal:6379/0',
    });
    expect(off.code).toBe(3);
    expect(off.stderr).toContain('REDIS_URL points off loopback (cache.internal)');
  });

  it('run --dry-run: prints the safety checks and builds the faults without injecting', async () => {
    const file = join(dir, 'exp.yaml');
    writeFileSync(file, experimentYaml(100));
    const ok = await cli(['experiment', 'run', file, '--dry-run'], { ENVIRONMENT: 'chaos_test' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok   environment: ENVIRONMENT=chaos_test');
    expect(ok.stdout).toContain('faults and probes: built (nothing injected)');
    const bad = await cli(['experiment', 'run', file, '--dry-run'], {});
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('FAIL environment');
  });

  it('run: CHAOS_SAFETY_ENABLED=false needs --i-know-what-i-am-doing, and then warns loudly', async () => {
    const file = join(dir, 'exp.yaml');
    writeFileSync(file, experimentYaml(50));
    const refused = await cli(['experiment', 'run', file], { CHAOS_SAFETY_ENABLED: 'false' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('CHAOS_SAFETY_ENABLED=false needs the explicit flag');
    const forced = await cli(['experiment', 'run', file, '--i-know-what-i-am-doing'], {
      CHAOS_SAFETY_ENABLED: 'false',
    });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('WARNING: SAFETY CHECKS ARE DISABLED');
  });

  it('run: SIGINT mid-fault removes the toxic, writes an interrupted journal and exits 130', async () => {
    const file = join(dir, 'exp.yaml');
    const journalPath = join(dir, 'journal.json');
    writeFileSync(file, experimentYaml(60_000));
    let toxicsWhenInjected: string[] = [];
    const r = await cli(
      ['experiment', 'run', file, '--journal', journalPath, '--log-level', 'info'],
      { ENVIRONMENT: 'test' },
      (_out, err, child) => {
        if (toxicsWhenInjected.length === 0 && err.includes('"msg":"fault injected"')) {
          toxicsWhenInjected = proxies.listToxics('svc').map((t) => t.name);
          child.kill('SIGINT');
        }
      },
    );
    expect(toxicsWhenInjected).toEqual(['slow']);
    expect(r.code).toBe(130);
    expect(proxies.listToxics('svc')).toEqual([]);
    const journal = journalSchema.parse(JSON.parse(readFileSync(journalPath, 'utf8')));
    expect(journal.status).toBe('interrupted');
    expect(journal.faults).toMatchObject([{ name: 'slow', revert_reason: 'emergency' }]);
    expect(journal.rollbacks).toMatchObject([{ name: 'reset the proxy', status: 'succeeded' }]);
  });
});
