import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProxyServer, startProxyServer } from '../../../src/chaos/proxy/index.js';
import { connect, echoServer, portOf, readBytes, type TestServer } from '../proxy/helpers.js';

/**
 * Issue 11: the HTTP-aware toxics follow HTTP/1.1 framing in every form a real client produces.
 * A real node:http server behind the proxy records what reached it; clients are raw sockets
 * (exact bytes, exact segmentation) and undici.
 */

interface Seen {
  method: string;
  url: string;
  bodyLength: number;
  bodySha: string;
  trailers: Record<string, string | undefined>;
}

/** Bound on waits for something that must happen (not a speed assertion). */
const WAIT_MS = 10_000;

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Reads HTTP/1.1 responses from a raw socket, in order. `methods` are the requests' methods in
 * order (HEAD responses have no body). Content-Length bodies only (all our responders set it).
 */
class ResponseReader {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  ended = false;

  constructor(socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error('connection ended');
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
    });
    this.waiting = undefined;
  }

  async next(method = 'GET'): Promise<RawResponse> {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(lines[0]!.split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        const length = method === 'HEAD' || status < 200 ? 0 : Number(headers['content-length'] ?? 0);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + length);
          return { status, headers, body };
        }
      }
      await this.more();
    }
  }

  /** Resolves once the peer closed (FIN or close); rejects if more bytes arrive first. */
  async closed(): Promise<void> {
    while (!this.ended) await this.more();
    if (this.buf.length > 0) throw new Error(`unexpected bytes: ${this.buf.toString('latin1')}`);
  }
}

describe('issue 11: HTTP-aware toxics follow HTTP/1.1 framing', () => {
  let upstream: Server;
  let server: ProxyServer;
  let port: number;
  let seen: Seen[];
  const clients: Client[] = [];
  const sockets: net.Socket[] = [];
  let echo: TestServer | undefined;

  /** The upstream answers `upstream <METHOD> <url> <body bytes>`; `/slow…` paths after 60 ms. */
  async function setup(seed = 5): Promise<void> {
    seen = [];
    upstream = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({
          method: req.method!,
          url: req.url!,
          bodyLength: body.length,
          bodySha: sha(body),
          trailers: { ...req.trailers },
        });
        const text = `upstream ${req.method} ${req.url} ${body.length}`;
        const send = () => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        };
        if (req.url?.startsWith('/slow')) setTimeout(send, 60);
        else send();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    server = await startProxyServer({ port: 0, seed });
    const p = await server.createProxy({
      name: 'web',
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    port = portOf(p.listen);
  }

  function client(options: ConstructorParameters<typeof Client>[1] = {}): Client {
    const c = new Client(`http://127.0.0.1:${port}`, options);
    clients.push(c);
    return c;
  }

  async function raw(): Promise<{ socket: net.Socket; reader: ResponseReader }> {
    const socket = await connect(port);
    sockets.push(socket);
    return { socket, reader: new ResponseReader(socket) };
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    await echo?.close();
    echo = undefined;
  });

  describe('Expect: 100-continue', () => {
    it('the reported input: http_status answers a client waiting for 100 Continue at once, then closes', async () => {
      await setup();
      server.addToxic('web', { type: 'http_status', attributes: { status: 503 } });
      const { socket, reader } = await raw();
      socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n');
      const res = await within(reader.next('POST'), 'answer before the body');
      expect(res.status).toBe(503);
      expect(res.headers.connection).toBe('close');
      expect(res.headers['x-faultline-toxic']).toBe('http_status');
      // The client may still send the body: it is read and discarded, and the connection closes.
      socket.write('hello world');
      socket.end();
      await within(reader.closed(), 'close after the answer');
      expect(seen).toEqual([]);
    });

    it('undici with expectContinue gets the final status from http_status (and the server’s answer without it)', async () => {
      await setup();
      // Control first: through the bare proxy the server's 100 Continue comes back and the body goes up.
      const c = client();
      const ok = await within(
        c.request({ method: 'POST', path: '/upload', body: 'hello world', expectContinue: true }),
        'answer without the toxic',
      );
      expect(ok.statusCode).toBe(200);
      expect(await ok.body.text()).toBe('upstream POST /upload 11');

      server.addToxic('web', { type: 'http_status', attributes: { status: 503, body: 'no' } });
      const c2 = client();
      // A streamed body: undici writes it only once the server says 100 Continue.
      const res = await within(
        c2.request({
          method: 'POST',
          path: '/upload',
          headers: { 'content-length': '11' },
          body: Readable.from([Buffer.from('hello world')]),
          expectContinue: true,
        }),
        'answer with http_status',
      );
      expect(res.statusCode).toBe(503);
      expect(await res.body.text()).toBe('no');
      expect(seen).toHaveLength(1);
    });

    it('http_latency delays the request head; the server’s 100 Continue then releases the body', async () => {
      await setup();
      server.addToxic('web', { type: 'http_latency', attributes: { latency: 100 } });
      const t0 = performance.now();
      const res = await within(
        client().request({ method: 'POST', path: '/up', body: 'hello world', expectContinue: true }),
        'answer through http_latency',
      );
      expect(await res.body.text()).toBe('upstream POST /up 11');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(100 - 2);
    });
  });

  describe('chunked bodies with extensions and trailers', () => {
    const chunked =
      'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value;q="a;b"\r\nhello\r\n6;x\r\n world\r\n0;end\r\nX-Checksum: 42\r\n\r\n';

    it('http_status drops the whole chunked request (trailers included) and answers the next one too', async () => {
      await setup();
      server.addToxic('web', { type: 'http_status', attributes: { status: 500 } });
      const { socket, reader } = await raw();
      // Cut at awkward places: inside the size line, the extension, the CRLF and the trailer.
      for (const piece of chunked.match(/.{1,7}/gs)!) socket.write(piece);
      socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await within(reader.next('POST'), 'first answer')).status).toBe(500);
      expect((await within(reader.next('GET'), 'second answer')).status).toBe(500);
      expect(seen).toEqual([]);
    });

    it('http_latency forwards it byte for byte: the server reads the body and the trailer', async () => {
      await setup();
      server.addToxic('web', { type: 'http_latency', attributes: { latency: 5 } });
      const { socket, reader } = await raw();
      socket.write(chunked + chunked.replace('/c', '/d'));
      expect((await within(reader.next('POST'), 'first answer')).body).toBe('upstream POST /c 11');
      expect((await within(reader.next('POST'), 'second answer')).body).toBe('upstream POST /d 11');
      expect(seen.map((s) => [s.url, s.bodySha, s.trailers['x-checksum']])).toEqual([
        ['/c', sha(Buffer.from('hello world')), '42'],
        ['/d', sha(Buffer.from('hello world')), '42'],
      ]);
    });
  });

  describe('pipelined requests: one draw each, answers in order', () => {
    it('raw socket: 16 requests in one write, slow server answers, about half injected, all in order', async () => {
      await setup(21);
      server.addToxic('web', { type: 'http_status', toxicity: 0.5, attributes: { status: 503, body: 'x' } });
      const { socket, reader } = await raw();
      const methods: string[] = [];
      let batch = '';
      for (let i = 0; i < 16; i++) {
        const method = ['GET', 'POST', 'HEAD', 'GET'][i % 4]!;
        methods.push(method);
        const path = i % 2 === 0 ? `/slow${i}` : `/${i}`;
        batch +=
          method === 'POST'
            ? `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody`
            : `${method} ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
      }
      socket.write(batch);
      const answers: RawResponse[] = [];
      for (const m of methods) answers.push(await within(reader.next(m), `answer ${answers.length}`));
      const injected = answers.filter((a) => a.headers['x-faultline-toxic'] === 'http_status').length;
      expect(injected).toBeGreaterThan(2);
      expect(injected).toBeLessThan(14);
      // Answer i belongs to request i: from the server it names request i; injected ones are
      // exactly the requests the server never saw.
      const served = new Set(seen.map((s) => s.url.replace('/slow', '/')));
      answers.forEach((a, i) => {
        if (a.headers['x-faultline-toxic'] === 'http_status')
          expect(served.has(`/${i}`), `answer ${i}`).toBe(false);
        else if (methods[i] !== 'HEAD')
          expect(a.body, `answer ${i}`).toMatch(new RegExp(`^upstream ${methods[i]} /(slow)?${i} `));
      });
      expect(seen.length).toBe(16 - injected);
    });

    it('undici pipelining: every response reaches its own request', async () => {
      await setup(8);
      server.addToxic('web', {
        type: 'http_status',
        toxicity: 0.5,
        attributes: { status: 502, body: 'injected' },
      });
      const c = client({ pipelining: 8 });
      const results = await within(
        Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const path = i % 3 === 0 ? `/slow${i}` : `/${i}`;
            const res = await c.request({ method: 'GET', path });
            return { path, status: res.statusCode, body: await res.body.text() };
          }),
        ),
        'pipelined answers',
      );
      const injected = results.filter((r) => r.status === 502);
      expect(injected.length).toBeGreaterThan(2);
      expect(injected.length).toBeLessThan(22);
      for (const r of results) {
        if (r.status === 502) expect(r.body).toBe('injected');
        else expect(r.body).toBe(`upstream GET ${r.path} 0`);
      }
    });
  });

  describe('requests cut into many small segments (a slicer in front)', () => {
    for (const type of ['http_status', 'http_latency'] as const) {
      it(`${type} behind slicer (1–3 byte slices): Content-Length and chunked requests keep their framing`, async () => {
        await setup(13);
        server.addToxic('web', {
          type: 'slicer',
          stream: 'upstream',
          attributes: { average_size: 2, size_variation: 1, delay: 0 },
        });
        server.addToxic('web', {
          type,
          toxicity: 0.5,
          attributes: type === 'http_status' ? { status: 503 } : { latency: 1 },
        });
        const c = client();
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) {
          const body = i % 2 === 0 ? `payload-${i}`.repeat(20) : undefined;
          const res = await within(
            c.request({
              method: body === undefined ? 'GET' : 'POST',
              path: `/${i}`,
              // A stream without a length makes undici send it chunked.
              body: body === undefined ? null : i % 4 === 0 ? body : Readable.from([Buffer.from(body)]),
            }),
            `answer ${i}`,
          );
          const text = await res.body.text();
          statuses.push(res.statusCode);
          if (res.statusCode === 200)
            expect(text).toBe(`upstream ${body ? 'POST' : 'GET'} /${i} ${body?.length ?? 0}`);
        }
        if (type === 'http_status') expect(new Set(statuses)).toEqual(new Set([200, 503]));
        else expect(statuses.every((s) => s === 200)).toBe(true);
      });
    }
  });

  it('a body bigger than any buffer: dropped as it streams (http_status), forwarded intact (http_latency)', async () => {
    await setup();
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    server.addToxic('web', { type: 'http_status', attributes: { status: 413 } });
    const dropped = await within(
      client().request({ method: 'PUT', path: '/big', body: big }),
      'answer to a 12 MiB body',
    );
    expect(dropped.statusCode).toBe(413);
    await dropped.body.text();
    expect(seen).toEqual([]);
    server.removeToxic('web', 'http_status_upstream');
    server.addToxic('web', { type: 'http_latency', attributes: { latency: 1 } });
    const passed = await within(
      client().request({ method: 'PUT', path: '/big', body: big }),
      'forwarded 12 MiB body',
    );
    expect(await passed.body.text()).toBe(`upstream PUT /big ${big.length}`);
    expect(seen.map((s) => s.bodySha)).toEqual([sha(big)]);
  });

  it('HEAD: the injected answer has no body, and the next response on the connection parses', async () => {
    await setup();
    server.addToxic('web', { type: 'http_status', attributes: { status: 503, body: 'not for HEAD' } });
    const { socket, reader } = await raw();
    socket.write('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n');
    const head = await within(reader.next('HEAD'), 'HEAD answer');
    expect(head.status).toBe(503);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength('not for HEAD')));
    const get = await within(reader.next('GET'), 'GET answer');
    expect(get.body).toBe('not for HEAD');
  });

  for (const [what, request] of [
    ['Connection: close', 'GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0 without keep-alive', 'GET /old HTTP/1.0\r\n\r\n'],
  ] as const) {
    it(`${what}: http_status answers with connection: close and closes the connection`, async () => {
      await setup();
      server.addToxic('web', { type: 'http_status', attributes: { status: 503 } });
      const { socket, reader } = await raw();
      socket.write(request);
      const res = await within(reader.next('GET'), 'answer');
      expect(res.status).toBe(503);
      expect(res.headers.connection).toBe('close');
      await within(reader.closed(), 'close after the answer');
    });
  }

  it('bytes that are not HTTP pass through untouched, however they are sliced', async () => {
    echo = await echoServer();
    server = await startProxyServer({ port: 0, seed: 3 });
    const p = await server.createProxy({ name: 'tcp', upstream: `127.0.0.1:${echo.port}` });
    server.addToxic('tcp', {
      type: 'slicer',
      stream: 'upstream',
      attributes: { average_size: 2, size_variation: 1 },
    });
    server.addToxic('tcp', { type: 'http_status', attributes: { status: 503 } });
    server.addToxic('tcp', { type: 'http_latency', attributes: { latency: 60_000 } });
    const samples = [
      'PING\r\n', // Redis inline command: an upper-case word, then a line end
      '*1\r\n$4\r\nPING\r\n', // RESP
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', // a TLS ClientHello's start
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', // HTTP/2 preface
      `${'A'.repeat(40)} / HTTP/1.1\r\n\r\n`,
    ];
    for (const sample of samples) {
      const s = await connect(portOf(p.listen));
      sockets.push(s);
      const bytes = Buffer.from(sample, 'latin1');
      s.write(bytes);
      expect(await within(readBytes(s, bytes.length), `echo of ${JSON.stringify(sample)}`)).toEqual(bytes);
    }
  });
});
