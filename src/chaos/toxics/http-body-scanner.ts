import type { BodyFraming } from './http-head-parser.js';

/** Longest chunk-size line or trailer field accepted, in bytes. */
const MAX_LINE = 64 * 1024;

type Phase = 'length' | 'size' | 'data' | 'data-end' | 'trailer' | 'until-close' | 'done' | 'invalid';

/**
 * Finds where the body of one HTTP/1.x message ends, fed in pieces of any size, holding no more
 * than one chunk-size or trailer line: a body bigger than any buffer streams through it.
 * Chunked bodies (RFC 9112 §7.1): `size[;ext…] CRLF data CRLF` … `0[;ext…] CRLF`, trailer
 * fields, then an empty line. Chunk extensions and trailers are skipped, not interpreted.
 */
export class HttpBodyScanner {
  private phase: Phase;
  private remaining = 0;
  private line = '';

  constructor(framing: BodyFraming) {
    if (framing.kind === 'length') {
      this.phase = 'length';
      this.remaining = framing.length;
    } else if (framing.kind === 'chunked') this.phase = 'size';
    else if (framing.kind === 'until-close') this.phase = 'until-close';
    else this.phase = 'done';
  }

  /** True once the whole body has been read. */
  get complete(): boolean {
    return this.phase === 'done';
  }

  /** True once the chunked framing was broken (the rest is not this message's body). */
  get invalid(): boolean {
    return this.phase === 'invalid';
  }

  /** Reads from `buf` up to the end of the body; returns how many bytes belong to it. */
  advance(buf: Buffer): number {
    let i = 0;
    while (i < buf.length) {
      switch (this.phase) {
        case 'done':
        case 'invalid':
          return i;
        case 'until-close':
          return buf.length;
        case 'length':
        case 'data':
        case 'data-end': {
          const n = Math.min(this.remaining, buf.length - i);
          if (this.phase === 'data-end' && !isLineEnd(buf, i, n, this.remaining)) {
            this.phase = 'invalid';
            return i;
          }
          this.remaining -= n;
          i += n;
          if (this.remaining > 0) break;
          if (this.phase === 'length') this.phase = 'done';
          else if (this.phase === 'data') {
            this.phase = 'data-end';
            this.remaining = 2;
          } else this.phase = 'size';
          break;
        }
        case 'size':
        case 'trailer': {
          const nl = buf.indexOf(0x0a, i);
          const end = nl === -1 ? buf.length : nl + 1;
          this.line += buf.toString('latin1', i, end);
          i = end;
          if (this.line.length > MAX_LINE) {
            this.phase = 'invalid';
            return i;
          }
          if (nl === -1) break;
          const line = this.line.replace(/\r?\n$/, '');
          this.line = '';
          if (this.phase === 'trailer') {
            if (line === '') this.phase = 'done';
            break;
          }
          this.startChunk(line);
          break;
        }
      }
    }
    return i;
  }

  /** A chunk-size line: hex digits, then optional `;name=value` extensions (skipped). */
  private startChunk(line: string): void {
    const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
    if (m === null) {
      this.phase = 'invalid';
      return;
    }
    const size = Number.parseInt(m[1]!, 16);
    if (size === 0) this.phase = 'trailer';
    else {
      this.phase = 'data';
      this.remaining = size;
    }
  }
}

/** Whether `n` bytes at `buf[i]` are what is left of the CRLF after chunk data (`remaining` of 2). */
function isLineEnd(buf: Buffer, i: number, n: number, remaining: number): boolean {
  const expected = remaining === 2 ? [0x0d, 0x0a] : [0x0a];
  for (let k = 0; k < n; k++) if (buf[i + k] !== expected[k]) return false;
  return true;
}
