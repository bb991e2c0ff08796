import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface PreparedBody {
  readonly body: Buffer | Readable | undefined;
  /** A buffered (or absent) body can be sent again on a retry; a streamed one cannot. */
  readonly replayable: boolean;
}

/**
 * Buffers a small request body so that a retry can replay it; streams anything larger or of
 * unknown length straight through (and then the request gets one try only).
 */
export async function readRequestBody(req: IncomingMessage, maxReplayBytes: number): Promise<PreparedBody> {
  const te = req.headers['transfer-encoding'];
  const lengthHeader = req.headers['content-length'];
  if (te === undefined && lengthHeader === undefined) return { body: undefined, replayable: true };
  const length = lengthHeader === undefined ? Number.NaN : Number(lengthHeader);
  if (te !== undefined || !(length <= maxReplayBytes)) return { body: req, replayable: false };
  if (length === 0) {
    req.resume();
    return { body: Buffer.alloc(0), replayable: true };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return { body: Buffer.concat(chunks), replayable: true };
}
