import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { HttpRequestScanner } from './http-request-scanner.js';
import type { Toxic } from './toxic.js';

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

interface HttpStatusState {
  scanner: HttpRequestScanner;
  /** Decision for the request in progress: answer it ourselves (true) or forward it. */
  answering: boolean | undefined;
}

/** The response written for one answered request. */
export function injectedResponse(a: HttpStatusAttributes, method: string): Buffer {
  const body = Buffer.from(a.body, 'utf8');
  const head =
    `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? 'Unknown'}\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${body.length}\r\n` +
    'x-faultline-toxic: http_status\r\n\r\n';
  return method === 'HEAD' ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * On the upstream (request) stream of HTTP/1.x traffic: answers a request with the configured
 * status and body instead of forwarding it, with probability `toxicity` drawn per request.
 */
export const HttpStatusToxic: Toxic<HttpStatusAttributes, HttpStatusState> = {
  type: 'http_status',
  attributes: httpStatusAttributes,
  capabilities: { toxicityPerRequest: true, streams: ['upstream'], defaultStream: 'upstream' },
  newState: () => ({ scanner: new HttpRequestScanner(), answering: undefined }),
  async pipe(stub, attributes) {
    const state = stub.state;
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null || stub.interrupted) return;
      if (state.scanner.atRequestStart && state.answering === undefined) {
        state.answering = state.scanner.looksLikeRequest(chunk) && stub.rng.chance(stub.toxicity);
      }
      const { consumed, complete } = state.scanner.advance(chunk);
      if (state.answering) stub.drop(consumed);
      else stub.forward(consumed);
      if (state.scanner.opaque) state.answering = false;
      if (complete) {
        if (state.answering) stub.respond(injectedResponse(attributes, state.scanner.method));
        state.answering = undefined;
      }
    }
  },
};
