import type { IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { BodyTooLargeError } from '../../common/http/index.js';

export interface PreparedBody {
  readonly body: Buffer | Readable | undefined;
  /** A buffered (or absent) body can be sent again on a retry; a streamed one cannot. */
  readonly replayable: boolean;
}

const noBody: PreparedBody = { body: undefined, replayable: true };

/**
 * How the request body will be sent, decided from the headers alone: none, streamed (large or of
 * unknown length: one try only), or to be buffered (`undefined`: call `bufferRequestBody`).
 * Synchronous so that the common bodiless request costs no promise. A chunked body is counted
 * as it streams: past `maxBodyBytes` the stream fails and `overall` is aborted with the 413
 * error (a Content-Length over the limit was refused before; llhttp holds a sized body to its
 * length).
 */
export function planRequestBody(
  req: IncomingMessage,
  maxReplayBytes: number,
  maxBodyBytes: number,
  overall: { abort(reason: unknown): void },
): PreparedBody | undefined {
  const te = req.headers['transfer-encoding'];
  const lengthHeader = req.headers['content-length'];
  if (te === undefined && lengthHeader === undefined) return noBody;
  if (te !== undefined) return { body: countedBody(req, maxBodyBytes, overall), replayable: false };
  const length = Number(lengthHeader);
  if (!(length <= maxReplayBytes)) return { body: req, replayable: false };
  if (length === 0) {
    req.resume();
    return { body: Buffer.alloc(0), replayable: true };
  }
  return undefined;
}

/** Buffers a small body (its Content-Length is within the replay limit) so a retry can resend it. */
export async function bufferRequestBody(req: IncomingMessage): Promise<PreparedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return { body: Buffer.concat(chunks), replayable: true };
}

/** `req` through a byte counter that fails past `maxBytes` (one Transform, only for chunked bodies). */
function countedBody(
  req: IncomingMessage,
  maxBytes: number,
  overall: { abort(reason: unknown): void },
): Readable {
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen <= maxBytes) {
        done(null, chunk);
        return;
      }
      const err = new BodyTooLargeError(maxBytes);
      req.unpipe(counted);
      overall.abort(err);
      done(err);
    },
  });
  req.pipe(counted);
  return counted;
}
