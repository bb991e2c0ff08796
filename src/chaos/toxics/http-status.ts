import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { HttpRequestScanner, type RequestHead } from './http-request-scanner.js';
import { HttpResponseTracker } from './http-response-tracker.js';
import type { Toxic, ToxicStub } from './toxic.js';

export const httpStatusAttributes = z.object({
  /** Status code of the injected response. @default 503 */
  status: z
    .number({ error: 'must be an integer from 100 to 599' })
    .int({ error: 'must be an integer from 100 to 599' })
    .min(100, { error: 'must be an integer from 100 to 599' })
    .max(599, { error: 'must be an integer from 100 to 599' })
    .default(503),
  /** Body of the injected response (sent as text/plain). @default "" */
  body: z.string({ error: 'must be a string' }).default(''),
});
export type HttpStatusAttributes = z.infer<typeof httpStatusAttributes>;

/**
 * After an answer that closes the connection, how long to keep reading (and discarding) what
 * the client still sends before closing: a close while data is arriving makes the kernel send a
 * RST, which can destroy the answer before the client reads it. nginx's `lingering_timeout`
 * (5 s of silence) and `lingering_time` (30 s in all).
 */
const LINGER_SILENCE_MS = 5_000;
const LINGER_MAX_MS = 30_000;

/** What the http_status toxic keeps per connection, across updates of the toxic. */
export interface HttpStatusState {
  requests: HttpRequestScanner;
  replies: HttpResponseTracker;
  /** The current request is answered by the toxic (true) or forwarded (false). */
  answering: boolean;
  /** The answer to the current request has been written. */
  answered: boolean;
  /** An answer closed the connection: what the client still sends is read and discarded. */
  lingering: boolean;
}

/** The response written for one answered request; `close` adds `connection: close`. */
export function injectedResponse(a: HttpStatusAttributes, method: string, close = false): Buffer {
  const body = Buffer.from(a.body, 'utf8');
  const head =
    `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? 'Unknown'}\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${body.length}\r\n` +
    (close ? 'connection: close\r\n' : '') +
    'x-faultline-toxic: http_status\r\n\r\n';
  return method === 'HEAD' ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * On the upstream (request) stream of HTTP/1.x traffic: answers a request with the configured
 * status and body instead of forwarding it, with probability `toxicity` drawn per request.
 *
 * - The request is read to its end (Content-Length or chunked, however it is cut into segments)
 *   and dropped, then answered; the connection stays open for the next request.
 * - `Expect: 100-continue`: answered at once, without waiting for a body the client holds back
 *   (RFC 9110 §10.1.1), with `connection: close`; what the client still sends is discarded and
 *   the connection closed, as Node's and Go's HTTP servers do when they answer before a 100.
 * - `Connection: close` (or HTTP/1.0 without keep-alive): answered with `connection: close`,
 *   then the connection is closed.
 * - Pipelined requests: an answer waits until the server's answers to the requests before it
 *   have been written, so the client gets its answers in order (RFC 9112 §9.3.2).
 */
export const HttpStatusToxic: Toxic<HttpStatusAttributes, HttpStatusState> = {
  type: 'http_status',
  attributes: httpStatusAttributes,
  capabilities: { toxicityPerRequest: true, streams: ['upstream'], defaultStream: 'upstream' },
  newState: () => ({
    requests: new HttpRequestScanner(),
    replies: new HttpResponseTracker(),
    answering: false,
    answered: false,
    lingering: false,
  }),
  async pipe(stub, attributes) {
    const s = stub.state;
    stub.watchReplies((data) => s.replies.feed(data));
    for (;;) {
      if (stub.interrupted) return;
      if (s.lingering) return linger(stub);
      // Not HTTP (any more): the stage passes everything through untouched.
      if (s.requests.opaque) return;
      if (s.requests.atRequestStart) {
        const head = await s.requests.readHead(stub);
        // End of stream, interrupted, or not HTTP: the stage passes the rest through untouched.
        if (head === null) return;
        s.answering = stub.rng.chance(stub.toxicity);
        s.answered = false;
        s.requests.begin(stub, head, !s.answering);
        if (!s.answering) s.replies.expect(head.method);
      }
      const head = s.requests.current!;
      if (s.answering && !s.answered && head.expectContinue && !s.requests.bodyDone) {
        if (!(await answer(stub, attributes, head, true))) return;
        continue;
      }
      if (!(await s.requests.moveBody(stub, !s.answering))) {
        // A broken body under an answer: a server would close; so do we.
        if (s.answering && s.requests.opaque) stub.closeConnection();
        return;
      }
      if (s.answering && !s.answered && !(await answer(stub, attributes, head, head.close))) return;
      s.requests.end();
    }
  },
};

/** Writes the answer once every earlier request has had its own; false when interrupted first. */
async function answer(
  stub: ToxicStub<HttpStatusState>,
  attributes: HttpStatusAttributes,
  head: RequestHead,
  close: boolean,
): Promise<boolean> {
  const s = stub.state;
  while (s.replies.outstanding > 0) {
    await stub.within(s.replies.idle());
    if (stub.interrupted) return false;
  }
  s.answered = true;
  s.replies.expect(head.method);
  if (close) s.lingering = true;
  stub.respond(injectedResponse(attributes, head.method, close), { end: close });
  return true;
}

/** Reads and discards what the client still sends, then closes (see LINGER_SILENCE_MS). */
async function linger(stub: ToxicStub<HttpStatusState>): Promise<void> {
  const deadline = performance.now() + LINGER_MAX_MS;
  for (;;) {
    const left = Math.min(LINGER_SILENCE_MS, deadline - performance.now());
    const chunk = left > 0 ? await stub.within(stub.peek(), left) : undefined;
    if (stub.interrupted) return;
    if (chunk === null || chunk === undefined) {
      stub.closeConnection();
      return;
    }
    stub.drop(chunk.length);
  }
}
