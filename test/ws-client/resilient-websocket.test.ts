import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/common/rng.js';
import {
  BufferFullError,
  ClientClosedError,
  ClientGaveUpError,
  ResilientWebSocket,
} from '../../src/ws-client/index.js';

/** A server that refuses every WebSocket handshake with 503, counting attempts. */
async function refusingServer(): Promise<{ url: string; attempts: number[]; close: () => Promise<void> }> {
  const attempts: number[] = [];
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (_req, socket) => {
    attempts.push(performance.now());
    socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    attempts,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('ResilientWebSocket (faultline/ws-client)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('retries a refused handshake with full-jitter delays (seeded) and gives up after maxAttempts', async () => {
    const server = await refusingServer();
    cleanups.push(server.close);
    const delays: (number | undefined)[] = [];
    const client = new ResilientWebSocket(server.url, {
      backoff: { baseMs: 10, capMs: 40 },
      random: new SeededRandom(42),
      maxAttempts: 5,
    });
    cleanups.push(() => client.close());
    await new Promise<void>((resolve) =>
      client.onDisconnect(({ retryInMs }) => {
        delays.push(retryInMs);
        if (retryInMs === undefined) resolve();
      }),
    );
    expect(server.attempts).toHaveLength(5);
    expect(delays.at(-1)).toBeUndefined();
    // Full jitter: attempt k waits random(0, min(cap, base × 2^(k-1))), from the seeded source.
    const rng = new SeededRandom(42);
    const expected = [1, 2, 3, 4].map((k) => rng.next() * Math.min(40, 10 * 2 ** k));
    expect(delays.slice(0, 4)).toEqual(expected);
  });

  it('buffers sends while offline up to maxBufferedMessages, and refuses after close', async () => {
    const server = await refusingServer();
    cleanups.push(server.close);
    const client = new ResilientWebSocket(server.url, {
      maxBufferedMessages: 3,
      random: new SeededRandom(1),
    });
    expect([client.send('a'), client.send('b'), client.send(Buffer.from([1]))]).toEqual([1, 2, 3]);
    expect(client.buffered).toBe(3);
    expect(() => client.send('d')).toThrow(BufferFullError);
    await client.close();
    expect(() => client.send('e')).toThrow(ClientClosedError);
  });

  it('ready() rejects with ClientGaveUpError once the client gives up, instead of waiting for ever', async () => {
    const server = await refusingServer();
    cleanups.push(server.close);
    const client = new ResilientWebSocket(server.url, {
      backoff: { baseMs: 5, capMs: 10 },
      random: new SeededRandom(3),
      maxAttempts: 3,
    });
    cleanups.push(() => client.close());
    const err = await client.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientGaveUpError);
    expect(err).toMatchObject({ code: 'FL_WS_GAVE_UP', attempts: 3 });
    expect(server.attempts).toHaveLength(3);
    // And every later call says so at once.
    await expect(client.ready()).rejects.toBeInstanceOf(ClientGaveUpError);
  });

  it('ready() rejects with ClientClosedError when the client is closed while it waits, and after', async () => {
    const server = await refusingServer();
    cleanups.push(server.close);
    const client = new ResilientWebSocket(server.url, { backoff: { baseMs: 1000, capMs: 1000 } });
    const waiting = client.ready();
    await client.close();
    await expect(waiting).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.ready()).rejects.toMatchObject({ code: 'FL_WS_CLIENT_CLOSED' });
  });
});
