import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadSpecInput, startLoad } from '../../../src/chaos/load/index.js';
import { freePort } from '../../../src/chaos/process/index.js';
import { SeededRandom } from '../../../src/common/rng.js';
import { startWsServer, type TestWsServer } from './servers.js';

let server: TestWsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function start(spec: LoadSpecInput) {
  return startLoad(spec, {
    rng: new SeededRandom(1),
    signal: new AbortController().signal,
    origin: performance.now(),
  });
}

const tolerance = { error_rate: 0.05, p99_ms: 1000 };

describe('ws load', () => {
  it('sends messages at the rate across N connections and times the echoes', async () => {
    server = await startWsServer();
    const connections = new Set<unknown>();
    const texts: string[] = [];
    server.wss.on('connection', (ws) => {
      connections.add(ws);
      ws.on('message', (data) => texts.push(String(data)));
    });
    const run = start({ kind: 'ws', url: server.url, connections: 5, rate: 100, duration_ms: 500 });
    await run.done;
    const m = run.result([], tolerance);
    expect(connections.size).toBe(5);
    expect(server.received).toBe(50);
    expect(m.requests).toBe(50);
    expect(m.status_codes).toEqual({ reply: 50 });
    expect(texts.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `ping ${i}`).sort());
    expect(m.latency_ms.max).toBeGreaterThan(0);
  });

  it('counts missing replies as timeouts', async () => {
    server = await startWsServer(false);
    const run = start({
      kind: 'ws',
      url: server.url,
      connections: 2,
      rate: 50,
      duration_ms: 200,
      timeout_ms: 300,
    });
    await run.done;
    const m = run.result([], tolerance);
    expect(m.status_codes).toEqual({ timeout: 10 });
    expect(m.error_rate).toBe(1);
  });

  it('without expect_reply, a message is done once written', async () => {
    server = await startWsServer(false);
    const run = start({
      kind: 'ws',
      url: server.url,
      connections: 1,
      rate: 50,
      duration_ms: 200,
      expect_reply: false,
    });
    await run.done;
    expect(run.result([], tolerance).status_codes).toEqual({ sent: 10 });
    await sleep(50);
    expect(server.received).toBe(10);
  });

  it('records messages on closed connections as errors and reconnects', async () => {
    server = await startWsServer();
    const run = start({ kind: 'ws', url: server.url, connections: 2, rate: 100, duration_ms: 1500 });
    await sleep(500);
    for (const c of server.wss.clients) c.terminate();
    await run.done;
    const m = run.result([], tolerance);
    expect(m.requests).toBe(150);
    expect(m.errors).toBeGreaterThan(0);
    // After reconnecting, replies flow again.
    expect(m.status_codes.reply).toBeGreaterThan(100);
    const last = m.timeline.at(-1);
    expect(last?.error_rate).toBe(0);
  });

  it('rejects done when no connection can open', async () => {
    const port = await freePort();
    const run = start({ kind: 'ws', url: `ws://127.0.0.1:${port}/`, rate: 10, duration_ms: 100 });
    await expect(run.done).rejects.toThrow(/ECONNREFUSED/);
  });
});
