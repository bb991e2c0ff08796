/**
 * The session envelope between the gateway and `faultline/ws-client` (text frames of JSON). The
 * upstream never sees it: it gets and sends plain messages.
 *
 * - server → client `{"t":"welcome","sid","token","resumed","gap","c"}`: first frame of every
 *   connection. `c` = the last client message id the session has taken (drop those from the outbox,
 *   resend the rest); `gap` = some messages after the client's `last` were trimmed from the log.
 * - server → client `{"t":"m","n":seq,"d":text}` or `{"t":"m","n":seq,"b":base64}`: a message of the
 *   upstream, `n` = 1, 2, … per session (the offset; the client ignores `n` ≤ the last it saw).
 * - client → server `{"t":"m","c":cid,"d"|"b"}`: a client message, `c` = 1, 2, … per session.
 * - server → client `{"t":"a","c":cid}`: client message `cid` is taken (exactly once).
 *
 * A resuming client connects with `?fl_session=<token>&fl_last=<n>`.
 */
export const RESUME_PARAM = 'fl_session';
export const LAST_PARAM = 'fl_last';

export interface WelcomeFrame {
  t: 'welcome';
  sid: string;
  token: string;
  resumed: boolean;
  gap: boolean;
  c: number;
}
export interface MessageFrame {
  t: 'm';
  /** Server → client offset. */
  n?: number;
  /** Client → server message id. */
  c?: number;
  d?: string;
  b?: string;
}
export interface AckFrame {
  t: 'a';
  c: number;
}
export type SessionFrame = WelcomeFrame | MessageFrame | AckFrame;

/** A payload as the frame carries it: text as is, binary as base64. */
export function encodeMessage(key: 'n' | 'c', id: number, data: Buffer | string, binary: boolean): string {
  if (!binary) return `{"t":"m","${key}":${id},"d":${JSON.stringify(data.toString())}}`;
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return `{"t":"m","${key}":${id},"b":"${buf.toString('base64')}"}`;
}

/** The payload of a message frame: a string for text, a Buffer for binary. */
export function payloadOf(frame: MessageFrame): string | Buffer {
  return frame.b !== undefined ? Buffer.from(frame.b, 'base64') : (frame.d ?? '');
}

/** Parses a frame; undefined when it is not one of ours. */
export function parseFrame(text: string): SessionFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const t = (v as { t?: unknown }).t;
  return t === 'welcome' || t === 'm' || t === 'a' ? (v as SessionFrame) : undefined;
}
