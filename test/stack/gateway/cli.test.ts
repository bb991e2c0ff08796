import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../support/until.js';
import { request, startUpstreams, type TestUpstream } from './upstreams.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cliEntry = join(root, 'test/stack/gateway/cli-entry.ts');
const mainEntry = join(root, 'src/stack/gateway/main.ts');

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

function run(entry: string, args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, out: () => out, err: () => err, exited };
}

async function listening(r: Run): Promise<{ port: number; admin_port: number }> {
  for (;;) {
    const line = r
      .out()
      .split('\n')
      .find((l) => l.includes('"event":"listening"'));
    if (line) return JSON.parse(line);
    const exited = await Promise.race([
      r.exited.then(() => true),
      new Promise((res) => setTimeout(res, 25, false)),
    ]);
    if (exited) throw new Error(`exited before listening: ${r.out()} ${r.err()}`);
  }
}

let dir: string;
let upstreams: TestUpstream[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-gw-cli-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(upstreams.map((u) => u.stop()));
  upstreams = [];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('faultline gateway (CLI)', () => {
  it('exits 2 on a bad config and names the key', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(
      path,
      'clusters:\n  api:\n    hosts:\n      - url: http://127.0.0.1:1\n      - url: nope\n',
    );
    const r = run(cliEntry, ['gateway', '--config', path]);
    expect(await r.exited).toBe(2);
    expect(r.err()).toContain('clusters.api.hosts[1].url: expected URL');
    expect(r.out()).toBe('');
  });

  it('exits 2 on a bad --port and a missing --config', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, 'clusters: { api: { hosts: [{ url: "http://127.0.0.1:1" }] } }\n');
    const r = run(cliEntry, ['gateway', '--config', path, '--port', 'x']);
    expect(await r.exited).toBe(2);
    expect(r.err()).toContain('--port');
    expect(await run(cliEntry, ['gateway']).exited).toBe(2);
  });

  it('announces its ports, proxies, and drains to exit 0 on SIGTERM', async () => {
    upstreams = await startUpstreams(['a']);
    const path = join(dir, 'gateway.yaml');
    await writeFile(path, `clusters:\n  api:\n    hosts:\n      - url: ${upstreams[0]!.url}\n`);
    const r = run(cliEntry, ['gateway', '--config', path, '--port', '0']);
    const ready = await listening(r);
    expect(ready.port).toBeGreaterThan(0);
    expect(ready.admin_port).toBeGreaterThan(0);
    const res = await request(`http://127.0.0.1:${ready.port}/hello`);
    expect(res.body).toBe('a');
    const admin = await request(`http://127.0.0.1:${ready.admin_port}/admin/upstreams`);
    expect(JSON.parse(admin.body).clusters.api.hosts[0].url).toBe(upstreams[0]!.url);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('"event":"stopped"');
  });

  it('on SIGTERM finishes the request in flight before exiting 0', async () => {
    upstreams = await startUpstreams(['slow']);
    const parked: import('node:http').ServerResponse[] = [];
    upstreams[0]!.behaviour = (req, res) => {
      req.resume();
      parked.push(res);
    };
    const path = join(dir, 'drain.yaml');
    await writeFile(path, `clusters:\n  api:\n    hosts:\n      - url: ${upstreams[0]!.url}\n`);
    const r = run(mainEntry, ['--config', path]);
    const ready = await listening(r);
    const inFlight = request(`http://127.0.0.1:${ready.port}/work`);
    await until(() => parked.length >= 1, { timeoutMs: 5000, what: 'the request upstream' });
    r.child.kill('SIGTERM');
    await until(() => r.out().includes('"event":"draining"'), {
      timeoutMs: 5000,
      what: 'the draining event',
    });
    expect(r.out()).toContain('"active_requests":1');
    parked[0]!.end('finished');
    const res = await inFlight;
    expect([res.status, res.body]).toEqual([200, 'finished']);
    expect(await r.exited).toBe(0);
  });

  it('--workers 2 forks two workers on the same ports, each a gateway, and drains them all on SIGTERM', async () => {
    upstreams = await startUpstreams(['w']);
    const path = join(dir, 'workers.yaml');
    await writeFile(path, `clusters:\n  api:\n    hosts:\n      - url: ${upstreams[0]!.url}\n`);
    const r = run(cliEntry, ['gateway', '--config', path, '--port', '0', '--workers', '2']);
    const ready = (await listening(r)) as {
      port: number;
      admin_port: number;
      workers: number;
      pids: number[];
    };
    expect(ready.workers).toBe(2);
    expect(new Set(ready.pids).size).toBe(2);
    expect(ready.pids).not.toContain(r.child.pid);
    // Fresh connections are handed out round robin: both workers answer, from their own state.
    const pids = new Set<number>();
    for (let i = 0; i < 8; i++) {
      expect((await request(`http://127.0.0.1:${ready.port}/hello`)).body).toBe('w');
      pids.add(JSON.parse((await request(`http://127.0.0.1:${ready.admin_port}/admin/upstreams`)).body).pid);
    }
    expect([...pids].sort()).toEqual([...ready.pids].sort());
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('"event":"stopped"');
    expect(r.out().match(/"event":"listening"/g)).toHaveLength(1);
  }, 120_000);

  it('exits 2 on a bad --workers', async () => {
    const path = join(dir, 'ok2.yaml');
    await writeFile(path, 'clusters: { api: { hosts: [{ url: "http://127.0.0.1:1" }] } }\n');
    const r = run(cliEntry, ['gateway', '--config', path, '--workers', '0']);
    expect(await r.exited).toBe(2);
    expect(r.err()).toContain('--workers');
  }, 120_000);

  it('runs as a bare process entry (src/stack/gateway/main.ts) with the same contract', async () => {
    upstreams = await startUpstreams(['b']);
    const path = join(dir, 'gateway.json');
    await writeFile(path, JSON.stringify({ clusters: { api: { hosts: [{ url: upstreams[0]!.url }] } } }));
    const r = run(mainEntry, ['--config', path]);
    const ready = await listening(r);
    expect((await request(`http://127.0.0.1:${ready.port}/`)).body).toBe('b');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    const bad = run(mainEntry, ['--config', join(dir, 'missing.yaml')]);
    expect(await bad.exited).toBe(2);
  });
});
