import { describe, expect, it } from 'vitest';
import { HttpBodyScanner } from '../../../src/chaos/toxics/http-body-scanner.js';
import { bodyFraming, closesConnection, HttpHeadParser } from '../../../src/chaos/toxics/http-head-parser.js';
import { HttpResponseTracker } from '../../../src/chaos/toxics/http-response-tracker.js';

/**
 * Feeds `text` in pieces of `step` bytes through head parser + body scanner, request after
 * request; returns the byte offsets where requests completed and whether it turned opaque.
 */
function boundaries(text: string, step: number): { ends: number[]; opaque: boolean } {
  const buf = Buffer.from(text, 'latin1');
  const ends: number[] = [];
  let head: HttpHeadParser | undefined = new HttpHeadParser('request');
  let body: HttpBodyScanner | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const piece = buf.subarray(pos, Math.min(buf.length, pos + step));
    let off = 0;
    while (off < piece.length) {
      if (head) {
        off += head.feed(piece.subarray(off));
        if (head.invalid) return { ends, opaque: true };
        if (head.done) {
          const framing = bodyFraming(head.head!);
          if (framing === undefined) return { ends, opaque: true };
          body = new HttpBodyScanner(framing);
          head = undefined;
        }
      } else if (body) {
        off += body.advance(piece.subarray(off));
        if (body.invalid) return { ends, opaque: true };
      }
      if (body?.complete) {
        ends.push(pos + off);
        body = undefined;
        head = new HttpHeadParser('request');
      }
    }
    pos += piece.length;
  }
  return { ends, opaque: false };
}

const get = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
const post = 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
const chunked =
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1;q="a;b"\r\nhello\r\n6\r\n world\r\n0;last\r\nX-T: 1\r\nX-U: 2\r\n\r\n';
const bareLf = 'GET /lf HTTP/1.0\nHost: x\n\n';

describe('HTTP/1.x message framing (head parser, body scanner)', () => {
  for (const step of [1, 2, 3, 17, 1000]) {
    it(`finds keep-alive request boundaries (GET, Content-Length, chunked with extensions and trailers, bare LF) fed ${step} bytes at a time`, () => {
      const text = `\r\n${get}${post}${chunked}${bareLf}${get}`;
      const { ends, opaque } = boundaries(text, step);
      expect(opaque).toBe(false);
      let at = 2;
      const expected = [get, post, chunked, bareLf, get].map((m) => (at += m.length));
      expect(ends).toEqual(expected);
    });
  }

  it('says "not HTTP" as soon as the bytes break the request-line grammar, not before', () => {
    const early = (text: string) => {
      const p = new HttpHeadParser('request');
      p.feed(Buffer.from(text, 'latin1'));
      return p.invalid;
    };
    expect(early('\x16\x03\x01')).toBe(true); // TLS
    expect(early('PING\r\n')).toBe(true); // Redis inline command
    expect(early('*1\r\n$4\r\nPING\r\n')).toBe(true); // RESP
    expect(early('PRI * HTTP/2.0\r\n')).toBe(true); // HTTP/2 preface
    expect(early('GET / HTTP/1.1\r\n')).toBe(false);
    expect(early('GE')).toBe(false); // could still be a request
    expect(early('GET /x HTTP/1.')).toBe(false);
    expect(early('GET /x HTTP/1.2')).toBe(true);
    expect(early(`${'A'.repeat(40)} / HTTP/1.1`)).toBe(true); // no method is that long
  });

  it('rejects framing a server must reject (RFC 9112 §6.3) and broken chunks', () => {
    expect(boundaries('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 7).opaque).toBe(
      true,
    );
    expect(boundaries('POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 7).opaque).toBe(true);
    expect(boundaries('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 7).opaque).toBe(true);
    expect(boundaries('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 3).opaque).toBe(true);
    expect(boundaries('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY', 3).opaque).toBe(
      true,
    );
    // Identical Content-Length values are one value (RFC 9110 §8.6); chunked wins over it.
    expect(boundaries('POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nok', 3).ends).toHaveLength(1);
    expect(
      boundaries('POST / HTTP/1.1\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 3)
        .ends,
    ).toHaveLength(1);
  });

  it('streams a body bigger than any buffer without holding it', () => {
    const scanner = new HttpBodyScanner({ kind: 'length', length: 50 * 1024 * 1024 });
    const piece = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 50; i++) expect(scanner.advance(piece)).toBe(piece.length);
    expect(scanner.complete).toBe(true);
    expect(scanner.advance(piece)).toBe(0);
  });

  it('knows when the connection ends after a message (Connection: close, HTTP/1.0)', () => {
    const head = (text: string) => {
      const p = new HttpHeadParser('request');
      p.feed(Buffer.from(text, 'latin1'));
      return p.head!;
    };
    expect(closesConnection(head('GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n'))).toBe(true);
    expect(closesConnection(head('GET / HTTP/1.0\r\n\r\n'))).toBe(true);
    expect(closesConnection(head('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'))).toBe(false);
    expect(closesConnection(head('GET / HTTP/1.1\r\n\r\n'))).toBe(false);
  });

  it('HttpResponseTracker counts final responses in order: 100 Continue skipped, HEAD and 304 without body', async () => {
    const t = new HttpResponseTracker();
    for (const m of ['POST', 'HEAD', 'GET', 'GET']) t.expect(m);
    const idle = t.idle();
    const stream = Buffer.from(
      'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc' +
        'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n' + // HEAD: no body
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n0\r\nT: 1\r\n\r\n',
      'latin1',
    );
    const seen: number[] = [];
    for (let i = 0; i < stream.length; i += 5) {
      t.feed(stream.subarray(i, i + 5));
      seen.push(t.outstanding);
    }
    expect(seen.at(-1)).toBe(0);
    expect(new Set(seen)).toEqual(new Set([4, 3, 2, 1, 0]));
    await idle;
    // A close-delimited body or a 101 cannot be followed: the tracker stops holding anyone back.
    t.expect('GET');
    t.expect('GET');
    t.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\nstream until close', 'latin1'));
    expect(t.lost).toBe(true);
    expect(t.outstanding).toBe(0);
  });
});
