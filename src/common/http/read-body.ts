import type { IncomingMessage } from 'node:http';
import { FaultlineError } from '../errors.js';

/** A request body over the server's limit (413). */
export class BodyTooLargeError extends FaultlineError {
  constructor(readonly limitBytes: number) {
    super('FL_HTTP_BODY_TOO_LARGE', `request body over ${limitBytes} bytes`, { httpStatus: 413 });
  }
}

/** A request body that is not JSON (400); `detail` is the parser's message. */
export class BadJsonBodyError extends FaultlineError {
  constructor(readonly detail: string) {
    super('FL_HTTP_BAD_JSON', `bad request body: ${detail}`, { httpStatus: 400 });
  }
}

export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** The error to throw when the body is larger (default BodyTooLargeError); servers keep their own bodies. */
  tooLarge?: () => Error;
}

/**
 * Reads a request body whole, up to `maxBytes`. Past the limit it stops buffering, drains the rest
 * (so the reply can still be written on a keep-alive connection) and rejects.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(options.tooLarge?.() ?? new BodyTooLargeError(options.maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * Parses a body read by `readBody` as JSON: `undefined` when it is empty (or whitespace), the
 * value otherwise; BadJsonBodyError when it is not JSON.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadJsonBodyError((err as Error).message);
  }
}
