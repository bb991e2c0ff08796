import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ClientAbortedError } from './gateway-errors.js';

/**
 * Pipes an upstream body to the client and settles when the client has it all. Not
 * `stream/promises.pipeline`: that one allocates an AbortController and a DOMException (with a
 * stack trace) per call, which showed up as the top cost of the proxy path under load.
 * An upstream error mid-body cuts the client connection (the status is already sent); a client
 * that goes away destroys the upstream body, which frees its connection slot.
 */
export function streamResponse(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      body.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onError = (err: unknown): void => {
      res.destroy();
      settle(err);
    };
    const onClose = (): void => {
      if (res.writableFinished) {
        settle();
        return;
      }
      body.destroy();
      settle(new ClientAbortedError());
    };
    body.once('error', onError);
    res.once('close', onClose);
    res.once('finish', () => settle());
    body.pipe(res);
  });
}
