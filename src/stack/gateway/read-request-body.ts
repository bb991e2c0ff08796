import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface PreparedBody {
  readonly body: Buffer | Readable | undefined;
  /** A buffered (or absent) body can be sent again on a retry; a streamed one cannot. */
  readonly replayable: boolean;
}

const noBody: PreparedBody = { body: undefined, replayable: true };

/**
 * How the request body will be sent, decided from the headers alone: none, streamed (large or of
 * unknown length: one try only), or to be buffered (`undefined`: call `bufferRequestBody`).
 * Synchronous so that the common bodiless request costs no promise.
 */
export function planRequestBody(req: IncomingMessage, maxReplayBytes: number): PreparedBody | undefined {
  const te = req.headers['transfer-encoding'];
  const lengthHeader = req.headers['content-length'];
  if (te === undefined && lengthHeader === undefined) return noBody;
  const length = lengthHeader === undefined ? Number.NaN : Number(lengthHeader);
  if (te !== undefined || !(length <= maxReplayBytes)) return { body: req, replayable: false };
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
