import net from 'node:net';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import type { TimerClock } from '../../../src/common/clock.js';

/** A TCP server on a free loopback port whose sockets are all destroyed by close(). */
export interface TestServer {
  port: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function tcpServer(
  onSocket: (s: net.Socket) => void,
  allowHalfOpen = false,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes every byte back; ends its side when the client ends. */
export function echoServer(): Promise<TestServer> {
  return tcpServer((s) => s.pipe(s));
}

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Resolves with the first `n` bytes read from `socket`. */
export function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (d: Buffer): void => {
      chunks.push(d);
      size += d.length;
      if (size >= n) {
        cleanup();
        resolve(Buffer.concat(chunks).subarray(0, n));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended after ${size} of ${n} bytes`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
  });
}

/** Everything a socket receives until it ends or fails, with the chunks as they arrived. */
export interface Received {
  data: Buffer;
  chunks: Buffer[];
  error?: NodeJS.ErrnoException;
  /** performance.now() when the stream ended or failed. */
  endedAt: number;
}

export function readToEnd(socket: net.Socket): Promise<Received> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => {
      error = e;
    });
    socket.on('close', () =>
      resolve({
        data: Buffer.concat(chunks),
        chunks,
        endedAt: performance.now(),
        ...(error ? { error } : {}),
      }),
    );
  });
}

/** A recognisable byte pattern: byte i is (i * 7 + 3) % 251. */
export function pattern(length: number, offset = 0): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = ((offset + i) * 7 + 3) % 251;
  return b;
}

/** A started proxy server plus an echo upstream, and a proxy `name` in front of it. */
export interface Rig {
  server: ProxyServer;
  upstream: TestServer;
  /** Port of the proxy named "p". */
  port: number;
  close(): Promise<void>;
}

/** A proxy server with one proxy `p` in front of `upstream` (an echo server by default). */
export async function rig(upstream?: TestServer, seed = 42, clock?: TimerClock): Promise<Rig> {
  const up = upstream ?? (await echoServer());
  const server = await startProxyServer({ port: 0, seed, ...(clock ? { clock } : {}) });
  const proxy = await server.createProxy({ name: 'p', upstream: `127.0.0.1:${up.port}` });
  return {
    server,
    upstream: up,
    port: portOf(proxy.listen),
    close: async () => {
      await server.close();
      await up.close();
    },
  };
}

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** Waits until `check()` is true, polling every 10 ms, failing after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function closed(socket: net.Socket): Promise<void> {
  return socket.destroyed && socket.closed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()));
}
