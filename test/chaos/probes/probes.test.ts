import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveLoadStats, LoadRun } from '../../../src/chaos/load/load.js';
import {
  createProbe,
  LoadSampler,
  type LoadWindow,
  type ProbeContext,
  probeSpecSchema,
} from '../../../src/chaos/probes/index.js';
import { SeededRandom } from '../../../src/common/rng.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","n":3}');
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow'), 120);
    } else if (req.url === '/echo') {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => res.writeHead(201).end(`${req.method} ${req.headers['content-type']} ${body}`));
    } else {
      res.writeHead(503).end('down');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function ctx(load: LoadWindow | null = null, pids: Record<string, number> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    rng: new SeededRandom(1),
    load,
    processes: { pidOf: (n) => pids[n] },
  };
}

const probe = (spec: unknown) => createProbe(probeSpecSchema.parse(spec));

describe('http probe', () => {
  it('returns the status by default, or latency, body, json, the whole response', async () => {
    expect(await probe({ type: 'http', url: `${base}/json` }).run(ctx())).toBe(200);
    expect(await probe({ type: 'http', url: `${base}/nope` }).run(ctx())).toBe(503);
    expect(await probe({ type: 'http', url: `${base}/json`, value: 'json' }).run(ctx())).toEqual({
      status: 'ok',
      n: 3,
    });
    expect(await probe({ type: 'http', url: `${base}/nope`, value: 'body' }).run(ctx())).toBe('down');
    const latency = (await probe({ type: 'http', url: `${base}/slow`, value: 'latency_ms' }).run(
      ctx(),
    )) as number;
    expect(latency).toBeGreaterThanOrEqual(110);
    const whole = (await probe({ type: 'http', url: `${base}/json`, value: 'response' }).run(ctx())) as {
      headers: Record<string, string>;
    };
    expect(whole).toMatchObject({ status: 200, body: '{"status":"ok","n":3}', json: { n: 3 } });
    expect(whole.headers['content-type']).toBe('application/json');
  });

  it('sends a method and a JSON body', async () => {
    const out = await probe({
      type: 'http',
      url: `${base}/echo`,
      method: 'POST',
      body: { a: 1 },
      value: 'body',
    }).run(ctx());
    expect(out).toBe('POST application/json {"a":1}');
  });

  it('throws on a connection error and on its timeout', async () => {
    await expect(probe({ type: 'http', url: 'http://127.0.0.1:1/' }).run(ctx())).rejects.toThrow();
    await expect(probe({ type: 'http', url: `${base}/slow`, timeout_ms: 20 }).run(ctx())).rejects.toThrow();
  });

  it('rejects a non-http URL and unknown keys', () => {
    expect(probeSpecSchema.safeParse({ type: 'http', url: 'ftp://x' }).success).toBe(false);
    expect(probeSpecSchema.safeParse({ type: 'http', url: base, verb: 'GET' }).success).toBe(false);
  });
});

describe('tcp probe', () => {
  it('is true for a listening port and false for a closed one', async () => {
    const port = (server.address() as AddressInfo).port;
    expect(await probe({ type: 'tcp', port }).run(ctx())).toBe(true);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await probe({ type: 'tcp', port: closedPort }).run(ctx())).toBe(false);
  });
});

describe('process probe', () => {
  it('is true while a process lives and false after it exits, by pid or registered name', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      expect(await probe({ type: 'process', pid }).run(ctx())).toBe(true);
      expect(await probe({ type: 'process', name: 'svc' }).run(ctx(null, { svc: pid }))).toBe(true);
      expect(await probe({ type: 'process', name: 'other' }).run(ctx(null, { svc: pid }))).toBe(false);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    expect(await probe({ type: 'process', pid }).run(ctx())).toBe(false);
    expect(probeSpecSchema.safeParse({ type: 'process' }).success).toBe(false);
    expect(probeSpecSchema.safeParse({ type: 'process', pid: 1, name: 'x' }).success).toBe(false);
  });
});

describe('load probe and LoadSampler', () => {
  /** A LoadRun whose live counters the test drives, to check the window arithmetic. */
  class CountingLoad implements LoadRun {
    stats: LiveLoadStats = { requests: 0, errors: 0, rps: 0, error_rate: 0, p99_ms: 0 };
    readonly done = Promise.resolve();
    async stop(): Promise<void> {}
    live(): LiveLoadStats {
      return { ...this.stats };
    }
    result(): never {
      throw new Error('not used');
    }
  }

  it('reports error rate, rps and p99 over the window', async () => {
    const load = new CountingLoad();
    load.stats = { requests: 100, errors: 0, rps: 0, error_rate: 0, p99_ms: 5 };
    const sampler = new LoadSampler(load, 20, 10_000);
    try {
      await new Promise((r) => setTimeout(r, 120));
      load.stats = { requests: 150, errors: 10, rps: 0, error_rate: 0, p99_ms: 40 };
      await new Promise((r) => setTimeout(r, 60));
      const w = sampler.stats(100_000);
      expect(w.requests).toBe(50);
      expect(w.errors).toBe(10);
      expect(w.error_rate).toBeCloseTo(0.2);
      expect(w.p99_ms).toBe(40);
      expect(w.rps).toBeGreaterThan(0);
      expect(
        await probe({ type: 'load', metric: 'error_rate', window_ms: 10_000 }).run(ctx(sampler)),
      ).toBeCloseTo(0.2);
      // A window after the errors stopped sees none.
      await new Promise((r) => setTimeout(r, 200));
      expect(sampler.stats(100).errors).toBe(0);
    } finally {
      sampler.stop();
    }
  });

  it('fails when the experiment has no load', async () => {
    await expect(probe({ type: 'load', metric: 'p99_ms' }).run(ctx())).rejects.toMatchObject({
      code: 'FL_PROBE_NO_LOAD',
    });
  });
});

describe('function probe', () => {
  it('returns what the function returns', async () => {
    expect(await probe({ type: 'function', fn: async () => 42 }).run(ctx())).toBe(42);
  });
});
