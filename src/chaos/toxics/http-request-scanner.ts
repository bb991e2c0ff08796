import { HttpBodyScanner } from './http-body-scanner.js';
import {
  type BodyFraming,
  bodyFraming,
  closesConnection,
  fieldTokens,
  HttpHeadParser,
  type ParsedHead,
} from './http-head-parser.js';
import type { ToxicStub } from './toxic.js';

/** A request head read ahead of the stub's queue (nothing consumed yet). */
export interface RequestHead extends ParsedHead {
  /** Bytes of the head in the queue, from its first byte to the end of the empty line. */
  length: number;
  framing: BodyFraming;
  /** `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1; ignored for HTTP/1.0). */
  expectContinue: boolean;
  /** The connection ends after this request (RFC 9112 §9.3). */
  close: boolean;
  /** CONNECT, or an Upgrade request: what follows may not be HTTP. */
  upgrade: boolean;
  /** When the head's first byte entered the stage (performance.now() ms). */
  arrivedAt: number;
}

/**
 * The request side of an HTTP/1.x connection for the HTTP toxics: reads each request head ahead
 * without consuming it (so a toxic can decide what to do with the request before any byte of it
 * moves, however the request was cut into TCP segments), then moves the head and the body on
 * (forwarded or dropped) as they arrive, so a body bigger than any buffer streams through.
 *
 * Bytes that are not an HTTP/1.x request, a request whose framing a server must reject
 * (RFC 9112 §6.3), a broken chunked body, and everything after an Upgrade or CONNECT request
 * make the connection `opaque`: the toxics then pass the rest through untouched. Kept per
 * connection across updates of the toxic, so a restarted toxic continues inside a body.
 */
export class HttpRequestScanner {
  /** True once the stream is no longer read as HTTP requests. */
  opaque = false;
  /** The request being moved, between `begin` and the end of its body. */
  current: RequestHead | undefined;
  private body: HttpBodyScanner | undefined;

  /** True between requests (no head or body in progress). */
  get atRequestStart(): boolean {
    return this.current === undefined && !this.opaque;
  }

  /**
   * Reads the next request's head without consuming it, waiting for as many segments as it
   * takes. `null` at end of stream, when interrupted, or when the bytes are not a request
   * (then `opaque` is set).
   */
  async readHead(stub: ToxicStub<unknown>): Promise<RequestHead | null> {
    if (this.opaque) return null;
    const parser = new HttpHeadParser('request');
    let offset = 0;
    let arrivedAt = 0;
    while (!parser.done) {
      const chunk = await stub.peekAt(offset);
      if (chunk === null || stub.interrupted) return null;
      if (offset === 0) arrivedAt = stub.headArrivedAt();
      offset += parser.feed(chunk);
      if (parser.invalid) {
        this.opaque = true;
        return null;
      }
    }
    const head = parser.head!;
    const framing = bodyFraming(head);
    if (framing === undefined) {
      this.opaque = true;
      return null;
    }
    return {
      ...head,
      length: offset,
      framing,
      expectContinue: head.minor === 1 && fieldTokens(head, 'expect').includes('100-continue'),
      close: closesConnection(head),
      upgrade: head.method === 'CONNECT' || fieldTokens(head, 'upgrade').length > 0,
      arrivedAt,
    };
  }

  /** Moves the head just read (forwarded or dropped) and starts on its body. */
  begin(stub: ToxicStub<unknown>, head: RequestHead, forward: boolean): void {
    if (forward) stub.forward(head.length);
    else stub.drop(head.length);
    this.current = head;
    this.body = new HttpBodyScanner(head.framing);
  }

  /** Whether the current request's body has been moved completely. */
  get bodyDone(): boolean {
    return this.body?.complete ?? true;
  }

  /**
   * Moves the current request's body as it arrives. `true` once it is complete; `false` at end
   * of stream, when interrupted, or when its chunked framing breaks (then `opaque` is set).
   */
  async moveBody(stub: ToxicStub<unknown>, forward: boolean): Promise<boolean> {
    const body = this.body;
    if (body === undefined) return true;
    while (!body.complete) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return false;
      const n = body.advance(chunk);
      if (forward) stub.forward(n);
      else stub.drop(n);
      if (body.invalid) {
        this.opaque = true;
        return false;
      }
    }
    return true;
  }

  /** The current request is done with; after an Upgrade or CONNECT the stream turns opaque. */
  end(): void {
    if (this.current?.upgrade) this.opaque = true;
    this.current = undefined;
    this.body = undefined;
  }
}
