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

interface HttpLatencyState {
  scanner: HttpRequestScanner;
  /** The request in progress was already delayed (or passed by toxicity): forward the rest freely. */
  released: boolean;
}

/**
 * On the upstream (request) stream of HTTP/1.x traffic: holds each request for latency ± jitter
 * ms from when its first byte arrived, with probability `toxicity` drawn per request. Requests on
 * one keep-alive connection stay in order.
 */
export const HttpLatencyToxic: Toxic<HttpLatencyAttributes, HttpLatencyState> = {
  type: 'http_latency',
  attributes: httpLatencyAttributes,
  capabilities: { toxicityPerRequest: true, streams: ['upstream'], defaultStream: 'upstream' },
  newState: () => ({ scanner: new HttpRequestScanner(), released: false }),
  async pipe(stub, { latency, jitter }) {
    const state = stub.state;
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      if (state.scanner.atRequestStart && !state.released) {
        if (stub.rng.chance(stub.toxicity)) {
          const delay = Math.max(0, jitter > 0 ? latency + stub.rng.int(-jitter, jitter) : latency);
          const wait = stub.headArrivedAt() + delay - performance.now();
          if (wait > 0) await stub.sleep(wait);
          if (stub.interrupted) return;
        }
        state.released = true;
      }
      const { consumed, complete } = state.scanner.advance(chunk);
      stub.forward(consumed);
      if (complete) state.released = false;
    }
  },
};
