import { describe, expect, it } from 'vitest';
import { HttpRequestScanner } from '../../../src/chaos/toxics/http-request-scanner.js';

/** Feeds `text` in pieces of `step` bytes; returns the byte offsets where requests completed. */
function boundaries(text: string, step: number): { ends: number[]; opaque: boolean } {
  const scanner = new HttpRequestScanner();
  const buf = Buffer.from(text, 'latin1');
  const ends: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const piece = buf.subarray(pos, Math.min(buf.length, pos + step));
    let off = 0;
    while (off < piece.length) {
      const { consumed, complete } = scanner.advance(piece.subarray(off));
      expect(consumed).toBeGreaterThan(0);
      off += consumed;
      if (complete) ends.push(pos + off);
    }
    pos += piece.length;
  }
  return { ends, opaque: scanner.opaque };
}

const get = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
const post = 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
const chunked =
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n';

describe('HttpRequestScanner', () => {
  for (const step of [1, 3, 17, 1000]) {
    it(`finds keep-alive request boundaries (GET, Content-Length, chunked) fed ${step} bytes at a time`, () => {
      const text = get + post + chunked + get;
      const { ends, opaque } = boundaries(text, step);
      expect(opaque).toBe(false);
      expect(ends).toEqual([
        get.length,
        get.length + post.length,
        get.length + post.length + chunked.length,
        text.length,
      ]);
    });
  }

  it('turns opaque on non-HTTP bytes and after an Upgrade request', () => {
    expect(boundaries('\x16\x03\x01 TLS hello', 4).opaque).toBe(true);
    const upgrade = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const r = boundaries(`${upgrade}binary frames GET / HTTP/1.1\r\n\r\n`, 5);
    expect(r.ends).toEqual([upgrade.length]);
    expect(r.opaque).toBe(true);
  });
});
