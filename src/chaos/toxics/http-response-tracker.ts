import { HttpBodyScanner } from './http-body-scanner.js';
import { bodyFraming, HttpHeadParser } from './http-head-parser.js';

/**
 * Follows the responses written back to an HTTP/1.x client, so that a toxic answering a request
 * itself can wait until every earlier request on the connection has had its answer: HTTP/1.1
 * answers pipelined requests in order (RFC 9112 §9.3.2). The toxic calls `expect(method)` for
 * each request it lets through or answers, in order, and feeds every byte the client is sent.
 * Interim 1xx responses (`100 Continue`) are skipped. After a `101 Switching Protocols`, bytes
 * that are not HTTP, or a body that ends only with the connection, the tracker is `lost` and no
 * longer holds anyone back.
 */
export class HttpResponseTracker {
  /** Methods of the requests whose final response has not been written completely yet. */
  private readonly expected: string[] = [];
  private head: HttpHeadParser | undefined;
  private body: HttpBodyScanner | undefined;
  private idleWaiters: Array<() => void> = [];
  /** True once responses can no longer be followed. */
  lost = false;

  /** Requests still waiting for (the end of) their final response. */
  get outstanding(): number {
    return this.lost ? 0 : this.expected.length;
  }

  /** A request was passed on (or is about to be answered): its response comes after the others. */
  expect(method: string): void {
    this.expected.push(method);
  }

  /** Resolves once no request is outstanding. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Bytes written to the client, in order. */
  feed(data: Buffer): void {
    let i = 0;
    while (i < data.length && !this.lost) {
      if (this.body !== undefined) {
        i += this.body.advance(data.subarray(i));
        if (this.body.invalid) this.lose();
        else if (this.body.complete) {
          this.body = undefined;
          this.responseDone();
        }
        continue;
      }
      this.head ??= new HttpHeadParser('response');
      i += this.head.feed(data.subarray(i));
      if (this.head.invalid) this.lose();
      else if (this.head.done) this.startBody();
    }
    if (this.outstanding === 0) this.wakeIdle();
  }

  private startBody(): void {
    const head = this.head!.head!;
    this.head = undefined;
    if (head.status === 101) {
      this.lose();
      return;
    }
    if (head.status < 200) return; // interim: the final response is still to come
    const framing = bodyFraming(head, this.expected[0]);
    if (framing === undefined || framing.kind === 'until-close') {
      this.lose();
      return;
    }
    const body = new HttpBodyScanner(framing);
    if (body.complete) this.responseDone();
    else this.body = body;
  }

  private responseDone(): void {
    this.expected.shift();
  }

  private lose(): void {
    this.lost = true;
    this.head = undefined;
    this.body = undefined;
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
