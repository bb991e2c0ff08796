import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from './helpers.js';

const repo = new URL('../../../', import.meta.url).pathname;

/** Runs `faultline <args>` in-process; returns the exit code and what went to stderr. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    return { code: await main(args), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('faultline proxy (CLI)', () => {
  let dir: string;
  let children: ChildProcess[] = [];
  let echo: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-proxy-cli-'));
    echo = await echoServer();
  });
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    children = [];
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await echo.close();
  });

  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('a missing --config file: one line, exit 2', async () => {
    const missing = join(dir, 'nope.json');
    const r = await run(['proxy', '--port', '0', '--config', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`faultline: cannot read config ${missing}: no such file\n`);
  });

  it('a --config file that is not JSON: one line, exit 2', async () => {
    const path = file('bad.json', '[{"name": "a",');
    const r = await run(['proxy', '--port', '0', '--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^faultline: bad config ${path}: invalid JSON: .+\\n$`));
  });

  it('a --config file with schema errors names the entry and field: one line, exit 2', async () => {
    const noUpstream = file(
      'schema.json',
      JSON.stringify([{ name: 'ok', upstream: '127.0.0.1:1' }, { name: 'b' }]),
    );
    const r = await run(['proxy', '--port', '0', '--config', noUpstream]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `faultline: bad config ${noUpstream}: missing required field: upstream at proxy 2\n`,
    );
    const badToxic = file(
      'toxic.json',
      JSON.stringify([
        { name: 'a', upstream: '127.0.0.1:1', toxics: [{ type: 'latency', attributes: { latency: -1 } }] },
      ]),
    );
    const r2 = await run(['proxy', '--port', '0', '--config', badToxic]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(
      `faultline: bad config ${badToxic}: bad request body: toxics[0] at proxy 1: attributes.latency: must be a non-negative integer\n`,
    );
    const notArray = file('object.json', '{"name": "a"}');
    expect((await run(['proxy', '--port', '0', '--config', notArray])).stderr).toBe(
      `faultline: bad config ${notArray}: expected a JSON array of proxies\n`,
    );
  });

  it('an API port in use: one line, exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await run(['proxy', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`faultline: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('bad --port and --seed values: exit 2', async () => {
    expect((await run(['proxy', '--port', 'http'])).stderr).toBe(
      'faultline: --port must be an integer from 0 to 65535, got "http"\n',
    );
    expect((await run(['proxy', '--port', '0', '--seed', '-3'])).code).toBe(2);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves the API and the --config proxies; ${signal} closes everything and exits 0`, async () => {
      const config = file(
        `ok-${signal}.json`,
        JSON.stringify([{ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }]),
      );
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('./src/cli/main.ts').then((m) => m.main(['proxy', '--port', '0', '--seed', '9', '--config', ${JSON.stringify(config)}])).then((c) => { process.exitCode = c; })`,
        ],
        { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(child);
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /API on (http:\/\/[^\s]+) \(seed 9\)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
      });
      const proxies = (await (await fetch(`${url}/proxies`)).json()) as Record<string, { listen: string }>;
      const port = portOf(proxies.echo!.listen);
      const s = await connect(port);
      s.write('through the cli');
      expect((await readBytes(s, 15)).toString()).toBe('through the cli');
      const clientClosed = new Promise((resolve) => s.once('close', resolve));
      s.on('error', () => {});

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      await clientClosed;
      await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    }, 30_000);
  }
});
