import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import { rawExchange } from '../../common/http/raw-http.js';
import { request, TestUpstream, type UpstreamBehaviour } from './upstreams.js';

/** Answers with what it received: method, target, headers and the body's size. */
const echo: UpstreamBehaviour = (req, res, name) => {
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name }).end(body);
  });
};

/** The limits under test, small so that each case is quick; the defaults are in docs/gateway.md. */
const limits = {
  maxHeaderBytes: 4096,
  maxHeaders: 20,
  maxUrlBytes: 1024,
  maxBodyBytes: 1024,
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
};

const head = (lines: string[]): string => `${lines.join('\r\n')}\r\n\r\n`;

interface Case {
  name: string;
  send: string;
  status: number;
  /** Refused on its head: the upstream never sees it. */
  headOnly?: boolean;
}

/**
 * Framing that two HTTP parsers could read differently, and the RFC 9112 refusals. Those llhttp
 * refuses (Node 20's strict parser) are answered by the listener's clientError handler; the rest
 * by `checkRequestHead`. Every one: its status, and the connection closed.
 */
const smuggling: Case[] = [
  {
    name: 'Content-Length with Transfer-Encoding',
    send:
      head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Transfer-Encoding: chunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'two differing Content-Length',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 6']) + 'hello!',
    status: 400,
    headOnly: true,
  },
  {
    name: 'two equal Content-Length',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5']) + 'hello',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a Content-Length list',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5']) + 'hello',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a signed Content-Length',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: +5']) + 'hello',
    status: 400,
    headOnly: true,
  },
  {
    name: 'obs-fold',
    send: head(['GET / HTTP/1.1', 'Host: a', 'X-A: b', ' c']),
    status: 400,
    headOnly: true,
  },
  {
    name: 'obs-folded Transfer-Encoding',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding:', ' chunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a chunk size that is not hex',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) + 'zz\r\nhello\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: 'a chunk size that overflows',
    send:
      head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) +
      'FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: 'a negative chunk size',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) + '-5\r\nhello\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: 'chunk data longer than its size',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) + '5\r\nhelloXX0\r\n\r\n',
    status: 400,
  },
  { name: 'bare LF line ends', send: 'GET / HTTP/1.1\nHost: a\n\n', status: 400, headOnly: true },
  {
    name: 'a bare LF after a header',
    send: 'GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a bare CR in a value',
    send: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a bare CR as a line end',
    send: 'GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'a bare LF in chunked framing',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) + '5\nhello\n0\n\n',
    status: 400,
  },
  {
    name: 'Transfer-Encoding gzip (not chunked)',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip']) + 'hello',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding chunked, gzip (chunked not last)',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked, gzip']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding gzip, chunked (a coding we would pass on undecoded)',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: gzip, chunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding twice',
    send:
      head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked']) +
      '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding xchunked',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: xchunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding with a space before the colon',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding : chunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'Transfer-Encoding on HTTP/1.0',
    send: head(['POST / HTTP/1.0', 'Host: a', 'Transfer-Encoding: chunked']) + '0\r\n\r\n',
    status: 400,
    headOnly: true,
  },
  {
    name: 'two Host headers',
    send: head(['GET / HTTP/1.1', 'Host: a', 'Host: b']),
    status: 400,
    headOnly: true,
  },
  { name: 'no Host on HTTP/1.1', send: head(['GET / HTTP/1.1']), status: 400, headOnly: true },
  {
    name: 'a NUL in a value',
    send: head(['GET / HTTP/1.1', 'Host: a', 'X-A: b\0c']),
    status: 400,
    headOnly: true,
  },
  {
    name: 'a header without a colon',
    send: head(['GET / HTTP/1.1', 'Host: a', 'XA']),
    status: 400,
    headOnly: true,
  },
  { name: 'an unknown HTTP version', send: head(['GET / HTTP/1.2', 'Host: a']), status: 400, headOnly: true },
  {
    name: 'an absolute-form target (not a forward proxy)',
    send: head(['GET http://evil.test/ HTTP/1.1', 'Host: evil.test']),
    status: 400,
    headOnly: true,
  },
];

const tooMuch: Case[] = [
  {
    name: 'more header fields than maxHeaders',
    send: head(['GET / HTTP/1.1', 'Host: a', ...Array.from({ length: 20 }, (_, i) => `X-${i}: v`)]),
    status: 431,
    headOnly: true,
  },
  {
    name: 'header bytes over maxHeaderBytes',
    send: head(['GET / HTTP/1.1', 'Host: a', `X-Big: ${'v'.repeat(5000)}`]),
    status: 431,
    headOnly: true,
  },
  {
    name: 'a target over maxUrlBytes',
    send: head([`GET /${'a'.repeat(2000)} HTTP/1.1`, 'Host: a']),
    status: 414,
    headOnly: true,
  },
  {
    name: 'a target over maxHeaderBytes too (the request line counts in the head)',
    send: head([`GET /${'a'.repeat(5000)} HTTP/1.1`, 'Host: a']),
    status: 431,
    headOnly: true,
  },
  {
    name: 'a Content-Length over maxBodyBytes (refused before the body is sent)',
    send: head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 2000']),
    status: 413,
    headOnly: true,
  },
  {
    name: 'a chunked body that grows past maxBodyBytes',
    send:
      head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked']) +
      `258\r\n${'x'.repeat(600)}\r\n`.repeat(3) +
      '0\r\n\r\n',
    status: 413,
  },
];

describe('gateway: hostile input over raw sockets', () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  const completed: { status: number; code?: string }[] = [];

  beforeAll(async () => {
    upstream = await new TestUpstream('origin', echo).start();
    gw = await startGateway({
      clusters: { api: { hosts: [{ url: upstream.url }], health: { outlier: false } } },
      limits,
      seed: 14,
    });
    gw.onRequestCompleted((e) => completed.push({ status: e.status, ...(e.code ? { code: e.code } : {}) }));
  });
  afterAll(async () => {
    await gw.close({ drain: false });
    await upstream.stop();
  });

  /** A plain request still works: the gateway kept serving. */
  async function stillServing(): Promise<void> {
    const ok = await request(`${gw.url}/ok`);
    expect(ok.status).toBe(200);
    expect(ok.headers['x-upstream']).toBe('origin');
  }

  for (const c of [...smuggling, ...tooMuch]) {
    it(`${c.name}: ${c.status}, connection closed`, async () => {
      const seenBefore = upstream.requests;
      const answer = await rawExchange(gw.port, c.send);
      expect(answer.status, answer.raw.slice(0, 200)).toBe(c.status);
      expect(answer.closed).toBe(true);
      expect(answer.raw).toMatch(/\r\nconnection: close\r\n/i);
      const body = JSON.parse(answer.body) as { status: number; error: string };
      expect(body.status).toBe(c.status);
      expect(body.error).toEqual(expect.any(String));
      if (c.headOnly) expect(upstream.requests).toBe(seenBefore);
      await stillServing();
    });
  }

  it('a head that never ends (slowloris drip): 408 after headersTimeoutMs, connection closed', async () => {
    const answer = await rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ', {
      drip: 'a',
      waitMs: 4000,
    });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    await stillServing();
  });

  it('a connection that sends nothing: 408, closed', async () => {
    const answer = await rawExchange(gw.port, '', { waitMs: 4000 });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
  });

  it('a body that never finishes: 408 after requestTimeoutMs, closed', async () => {
    const answer = await rawExchange(
      gw.port,
      head(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 100']) + 'x'.repeat(10),
      { drip: 'x', dripMs: 200, waitMs: 4000 },
    );
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    await stillServing();
  });

  it('fifty slowloris connections cannot hold the gateway: all cut, others served meanwhile', async () => {
    const slow = Array.from({ length: 50 }, () =>
      rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\n', { drip: 'X', dripMs: 100, waitMs: 4000 }),
    );
    await stillServing();
    const answers = await Promise.all(slow);
    expect(answers.every((a) => a.closed)).toBe(true);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([408]));
    await stillServing();
  });

  it('counts refusals as completed requests with their status and code', () => {
    expect(completed).toContainEqual({ status: 414, code: 'FL_HTTP_URI_TOO_LONG' });
    expect(completed).toContainEqual({ status: 400, code: 'HPE_INVALID_TRANSFER_ENCODING' });
    expect(completed).toContainEqual({ status: 408, code: 'ERR_HTTP_REQUEST_TIMEOUT' });
  });

  it('still accepts what is valid: chunked in any case, a chunk extension, a trailer, a body at the limit', async () => {
    const chunked = await rawExchange(
      gw.port,
      head(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: ChUnKeD', 'Connection: close']) +
        '5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n',
    );
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body).bytes).toBe(5);
    const atLimit = await request(`${gw.url}/`, { method: 'POST', body: 'x'.repeat(1024) });
    expect(atLimit.status).toBe(200);
    expect(JSON.parse(atLimit.body).bytes).toBe(1024);
  });
});

describe('gateway: hop-by-hop and forwarding headers', () => {
  let upstream: TestUpstream;
  let gateways: Gateway[] = [];
  beforeAll(async () => {
    upstream = await new TestUpstream('origin', echo).start();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close({ drain: false })));
    gateways = [];
    await upstream.stop();
  });
  const start = async (trustedProxies: string[] = []): Promise<Gateway> => {
    const gw = await startGateway({
      clusters: { api: { hosts: [{ url: upstream.url }], health: { outlier: false } } },
      trustedProxies,
      seed: 14,
    });
    gateways.push(gw);
    return gw;
  };
  const seen = async (gw: Gateway, headers: string[]): Promise<http.IncomingHttpHeaders> => {
    const answer = await rawExchange(
      gw.port,
      head(['GET /h HTTP/1.1', 'Host: shop.test', 'Connection: close', ...headers]),
    );
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.body) as { headers: http.IncomingHttpHeaders }).headers;
  };

  it('removes Connection and what it lists, Keep-Alive, TE, Trailer, Proxy-* and Upgrade', async () => {
    const gw = await start();
    const h = await seen(gw, [
      'Connection: x-secret, close',
      'X-Secret: 1',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Trailer: x-t',
      'Proxy-Authorization: Basic Zm9vOmJhcg==',
      'Proxy-Connection: keep-alive',
      'Proxy-Anything: 1',
      'Upgrade: h2c',
      'X-Kept: yes',
    ]);
    for (const name of [
      'x-secret',
      'keep-alive',
      'te',
      'trailer',
      'proxy-authorization',
      'proxy-connection',
      'proxy-anything',
      'upgrade',
    ])
      expect(h[name], name).toBeUndefined();
    expect(h['x-kept']).toBe('yes');
    expect(h.connection).not.toContain('x-secret');
  });

  it('from an untrusted peer, replaces X-Forwarded-For/-Proto/-Host and drops Forwarded', async () => {
    const gw = await start();
    const h = await seen(gw, [
      'X-Forwarded-For: 6.6.6.6',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: evil.test',
      'Forwarded: for=6.6.6.6;proto=https',
    ]);
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('shop.test');
    expect(h.forwarded).toBeUndefined();
  });

  it('from a trusted proxy (CIDR), keeps them and appends the peer to X-Forwarded-For', async () => {
    const gw = await start(['127.0.0.0/8']);
    const h = await seen(gw, [
      'X-Forwarded-For: 203.0.113.7',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: shop.example',
    ]);
    expect(h['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-host']).toBe('shop.example');
    const bare = await seen(gw, []);
    expect(bare['x-forwarded-for']).toBe('127.0.0.1');
    expect(bare['x-forwarded-host']).toBe('shop.test');
  });

  it('trusts only the configured peers: another block is not enough', async () => {
    const gw = await start(['10.0.0.0/8', '::1']);
    const h = await seen(gw, ['X-Forwarded-For: 203.0.113.7']);
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
  });
});
