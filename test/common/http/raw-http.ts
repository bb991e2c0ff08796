import net from 'node:net';

/** What came back on one raw connection, read until the server closed it (or the test gave up). */
export interface RawAnswer {
  /** Status of the first response; 0 when none came. */
  status: number;
  /** Every byte received, as latin1. */
  raw: string;
  /** The first response's body (after the blank line). */
  body: string;
  /** The server closed the connection (false: still open when `waitMs` ran out). */
  closed: boolean;
}

export interface RawOptions {
  /** Give up after this long, in ms (then `closed` is false). @default 5000 */
  waitMs?: number;
  /** After writing, send one byte of `drip` every `dripMs` until the server closes (slowloris). */
  drip?: string;
  /** @default 50 */
  dripMs?: number;
}

/**
 * Writes `data` as it is (no client normalises anything) on a fresh loopback connection and
 * reads until the server closes it. Resolves, never rejects: a reset counts as closed.
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  options: RawOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let drip: NodeJS.Timeout | undefined;
    let closed = false;
    const finish = (): void => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const split = raw.indexOf('\r\n\r\n');
      const rest = split < 0 ? '' : raw.slice(split + 4);
      const chunked = split >= 0 && /\r\ntransfer-encoding: chunked\r\n/i.test(raw.slice(0, split + 2));
      resolve({ status: status ? Number(status[1]) : 0, raw, body: chunked ? dechunk(rest) : rest, closed });
    };
    const giveUp = setTimeout(finish, options.waitMs ?? 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.write(data, () => {
      const byte = options.drip;
      if (byte === undefined) return;
      drip = setInterval(() => {
        if (socket.writable) socket.write(byte);
      }, options.dripMs ?? 50);
    });
  });
}

/** The payload of a chunked body (extensions and trailers ignored). */
function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return out;
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
