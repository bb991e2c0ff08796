/**
 * Finds request boundaries in an HTTP/1.x byte stream (keep-alive, Content-Length and chunked
 * bodies) without buffering the stream: the HTTP toxics feed it exactly the bytes they consume.
 * Anything that does not look like HTTP/1.x, and everything after an Upgrade or CONNECT request,
 * is "opaque": the toxics then pass it through untouched.
 */
const MAX_HEAD = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Phase = 'start' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' | 'opaque';

export interface ScanStep {
  /** Bytes of the given buffer that belong to the current request. */
  consumed: number;
  /** Whether those bytes completed the request. */
  complete: boolean;
}

export class HttpRequestScanner {
  private phase: Phase = 'start';
  private head = '';
  private line = '';
  private remaining = 0;
  private afterRequest: 'start' | 'opaque' = 'start';
  /** Method of the request being scanned (or last scanned). */
  method = '';

  /** True when the next byte begins a new request. */
  get atRequestStart(): boolean {
    return this.phase === 'start';
  }

  /** True once the stream is no longer parsed as HTTP requests. */
  get opaque(): boolean {
    return this.phase === 'opaque';
  }

  /** Whether `buf`, at a request start, plausibly begins an HTTP request (a method token). */
  looksLikeRequest(buf: Buffer): boolean {
    const prefix = buf.subarray(0, 16).toString('latin1');
    const space = prefix.indexOf(' ');
    const word = space === -1 ? prefix : prefix.slice(0, space);
    return word.length > 0 && TOKEN.test(word) && word === word.toUpperCase();
  }

  advance(buf: Buffer): ScanStep {
    let i = 0;
    while (i < buf.length) {
      switch (this.phase) {
        case 'opaque':
          return { consumed: buf.length, complete: false };
        case 'start': {
          // Tolerate stray CRLFs between requests (RFC 9112 §2.2).
          const c = buf[i];
          if (c === 0x0d || c === 0x0a) {
            i++;
            continue;
          }
          if (!this.looksLikeRequest(buf.subarray(i))) {
            this.phase = 'opaque';
            return { consumed: buf.length, complete: false };
          }
          this.phase = 'head';
          this.head = '';
          break;
        }
        case 'head': {
          const before = this.head.length;
          this.head += buf.subarray(i).toString('latin1');
          const end = this.head.indexOf('\r\n\r\n');
          if (end === -1) {
            if (this.head.length > MAX_HEAD) this.phase = 'opaque';
            return { consumed: buf.length, complete: false };
          }
          i += end + 4 - before;
          this.head = this.head.slice(0, end);
          if (this.startBody()) return { consumed: i, complete: true };
          break;
        }
        case 'body': {
          const n = Math.min(this.remaining, buf.length - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) return this.finish(i);
          break;
        }
        case 'chunk-size':
        case 'trailer': {
          const nl = buf.indexOf(0x0a, i);
          const end = nl === -1 ? buf.length : nl + 1;
          this.line += buf.subarray(i, end).toString('latin1');
          i = end;
          if (nl === -1) {
            if (this.line.length > MAX_HEAD) this.phase = 'opaque';
            break;
          }
          const line = this.line.trim();
          this.line = '';
          if (this.phase === 'trailer') {
            if (line === '') return this.finish(i);
            break;
          }
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) {
            this.phase = 'opaque';
            break;
          }
          if (size === 0) this.phase = 'trailer';
          else {
            this.phase = 'chunk-data';
            this.remaining = size + 2; // data + CRLF
          }
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.remaining, buf.length - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.phase = 'chunk-size';
          break;
        }
      }
    }
    return { consumed: i, complete: false };
  }

  /** Reads the framing of the request whose head just ended; returns true if it has no body. */
  private startBody(): boolean {
    const lines = this.head.split('\r\n');
    const requestLine = (lines[0] ?? '').split(' ');
    this.method = requestLine[0] ?? '';
    if (requestLine.length !== 3 || !/^HTTP\/1\.[01]$/.test(requestLine[2] ?? '')) {
      this.phase = 'opaque';
      return false;
    }
    let length = 0;
    let chunked = false;
    let upgrade = this.method === 'CONNECT';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number.parseInt(value, 10) || 0;
      else if (name === 'transfer-encoding')
        chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
      else if (name === 'upgrade') upgrade = true;
    }
    this.afterRequest = upgrade ? 'opaque' : 'start';
    if (chunked) {
      this.phase = 'chunk-size';
      this.line = '';
      return false;
    }
    if (length > 0) {
      this.phase = 'body';
      this.remaining = length;
      return false;
    }
    this.phase = this.afterRequest;
    return true;
  }

  private finish(consumed: number): ScanStep {
    this.phase = this.afterRequest;
    return { consumed, complete: true };
  }
}
