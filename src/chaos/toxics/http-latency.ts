import { z } from 'zod';
import { integerAttribute } from './attribute.js';
import { HttpRequestScanner } from './http-request-scanner.js';
import type { Toxic } from './toxic.js';

export const httpLatencyAttributes = z.object({
  /** Delay added before each request is forwarded, in milliseconds. @default 0 */
  latency: integerAttribute(0),
  /** Random variation, ± milliseconds, drawn per request. @default 0 */
  jitter: integerAttribute(0),
});
export type HttpLatencyAttributes = z.infer<typeof httpLatencyAttributes>;

/** What the http_latency toxic keeps per connection, across updates of the toxic. */
export interface HttpLatencyState {
  requests: HttpRequestScanner;
}

/**
 * On the upstream (request) stream of HTTP/1.x traffic: holds each request for latency ± jitter
 * ms from when its first byte arrived, with probability `toxicity` drawn per request, then
 * forwards its head and streams its body. Pipelined requests each get their own draw and stay
 * in order. A request with `Expect: 100-continue` is held the same way; the server's
 * `100 Continue` then releases the body.
 */
export const HttpLatencyToxic: Toxic<HttpLatencyAttributes, HttpLatencyState> = {
  type: 'http_latency',
  attributes: httpLatencyAttributes,
  capabilities: { toxicityPerRequest: true, streams: ['upstream'], defaultStream: 'upstream' },
  newState: () => ({ requests: new HttpRequestScanner() }),
  async pipe(stub, { latency, jitter }) {
    const { requests } = stub.state;
    for (;;) {
      // Not HTTP (any more): the stage passes everything through untouched.
      if (requests.opaque || stub.interrupted) return;
      if (requests.atRequestStart) {
        const head = await requests.readHead(stub);
        // End of stream, interrupted, or not HTTP: the stage passes the rest through untouched.
        if (head === null) return;
        if (stub.rng.chance(stub.toxicity)) {
          const delay = Math.max(0, jitter > 0 ? latency + stub.rng.int(-jitter, jitter) : latency);
          const wait = head.arrivedAt + delay - performance.now();
          if (wait > 0) await stub.sleep(wait);
          if (stub.interrupted) return;
        }
        requests.begin(stub, head, true);
      }
      if (!(await requests.moveBody(stub, true))) return;
      requests.end();
    }
  },
};
