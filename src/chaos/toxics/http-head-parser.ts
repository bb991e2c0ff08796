/**
 * Reads the head (start line + header fields, up to the empty line) of one HTTP/1.x message,
 * fed in pieces of any size, and says as early as it can when the bytes are not HTTP/1.x at all.
 * Used for requests (the HTTP toxics' upstream stream) and responses (the answers they wait for).
 *
 * Lines end in CRLF or a bare LF (RFC 9112 §2.2 lets a recipient accept LF). Empty lines before
 * a request line are skipped (RFC 9112 §2.2). A head over {@link MAX_HEAD} bytes, a start line that
 * does not fit the grammar, or a version other than HTTP/1.0 and 1.1 makes the message `invalid`.
 */
export const MAX_HEAD = 64 * 1024;

/** How the body of a message is delimited (RFC 9112 §6). */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** A response with neither Content-Length nor chunked: the body ends when the connection does. */
  | { kind: 'until-close' };

export interface ParsedHead {
  /** Request method, or `""` for a response. */
  method: string;
  /** Response status, or 0 for a request. */
  status: number;
  /** Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Header fields, names lower-cased, in order (a name may repeat). */
  fields: Array<[string, string]>;
}

/** Every prefix of a request line that can still become `token SP target SP HTTP/1.d`. */
const REQUEST_LINE_PREFIX =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}(?: (?:[^\s]+(?: (?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01]\r?\n?)?)?)?)?)?)?)?)?)?)?)?$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) [^\s]+ HTTP\/1\.([01])$/;
const STATUS_LINE_PREFIX = /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01](?: (?:\d{0,3}.*)?)?)?)?)?)?)?)?)?)?$/s;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;

export class HttpHeadParser {
  /** True once the empty line ending the head was read. */
  done = false;
  /** True once the bytes cannot be an HTTP/1.x message head. */
  invalid = false;
  /** The parsed head, once `done`. */
  head: ParsedHead | undefined;
  private readonly lines: string[] = [];
  private line = '';
  private size = 0;

  constructor(private readonly kind: 'request' | 'response') {}

  /** Reads from `buf` up to the end of the head; returns how many bytes belong to it. */
  feed(buf: Buffer): number {
    let i = 0;
    while (i < buf.length && !this.done && !this.invalid) {
      const nl = buf.indexOf(0x0a, i);
      const end = nl === -1 ? buf.length : nl + 1;
      this.line += buf.toString('latin1', i, end);
      this.size += end - i;
      i = end;
      if (this.size > MAX_HEAD) this.invalid = true;
      else if (this.lines.length === 0 && !this.plausibleStart(this.line)) this.invalid = true;
      if (nl === -1 || this.invalid) break;
      const text = this.line.endsWith('\r\n') ? this.line.slice(0, -2) : this.line.slice(0, -1);
      this.line = '';
      if (text === '') {
        if (this.lines.length === 0) continue; // empty lines before the start line
        this.finish();
      } else this.lines.push(text);
    }
    return i;
  }

  private plausibleStart(partial: string): boolean {
    if (this.kind === 'request')
      return partial === '\r' || partial === '\r\n' || partial === '\n' || REQUEST_LINE_PREFIX.test(partial);
    return STATUS_LINE_PREFIX.test(partial);
  }

  private finish(): void {
    const [start = '', ...rest] = this.lines;
    const request = this.kind === 'request' ? REQUEST_LINE.exec(start) : null;
    const response = this.kind === 'response' ? STATUS_LINE.exec(start) : null;
    if (request === null && response === null) {
      this.invalid = true;
      return;
    }
    const fields: Array<[string, string]> = [];
    for (const line of rest) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // obs-fold or junk: not framing, left to the server
      fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
    this.head = request
      ? { method: request[1]!, status: 0, minor: Number(request[2]), fields }
      : { method: '', status: Number(response![2]), minor: Number(response![1]), fields };
    this.done = true;
  }
}

/** Values of every field named `name` (lower case), comma lists split, trimmed, lower-cased. */
export function fieldTokens(head: ParsedHead, name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of head.fields) {
    if (n !== name) continue;
    for (const t of v.split(',')) {
      const token = t.trim().toLowerCase();
      if (token !== '') out.push(token);
    }
  }
  return out;
}

/**
 * The body framing a head declares (RFC 9112 §6.1–6.3): Transfer-Encoding whose last coding is
 * `chunked`, else Content-Length, else none for a request and until-close for a response.
 * `undefined` when the framing is unusable (a Transfer-Encoding not ending in chunked on a
 * request, Content-Length values that are not one non-negative integer): RFC 9112 §6.3 has a
 * server reject such a request, so the HTTP toxics leave the rest of the connection to the server.
 * `requestMethod` is the method of the request a response answers (HEAD → no body).
 */
export function bodyFraming(head: ParsedHead, requestMethod?: string): BodyFraming | undefined {
  if (head.status !== 0) {
    if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) {
      return { kind: 'none' };
    }
  }
  const te = fieldTokens(head, 'transfer-encoding');
  if (te.length > 0) {
    if (te.at(-1) === 'chunked') return { kind: 'chunked' };
    return head.status === 0 ? undefined : { kind: 'until-close' };
  }
  const lengths = new Set(fieldTokens(head, 'content-length'));
  if (lengths.size > 1) return undefined;
  const [text] = lengths;
  if (text !== undefined) {
    if (!/^\d{1,15}$/.test(text)) return undefined;
    const length = Number(text);
    return length === 0 ? { kind: 'none' } : { kind: 'length', length };
  }
  return head.status === 0 ? { kind: 'none' } : { kind: 'until-close' };
}

/** Whether the connection ends after this message (RFC 9112 §9.3): `close`, or HTTP/1.0 without keep-alive. */
export function closesConnection(head: ParsedHead): boolean {
  const tokens = fieldTokens(head, 'connection');
  return tokens.includes('close') || (head.minor === 0 && !tokens.includes('keep-alive'));
}
