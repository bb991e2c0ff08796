import WebSocket from 'ws';
import { z } from 'zod';
import { loadBoundsFields } from './http-load.js';
import type { LoadOutcome } from './load-recorder.js';
import type { LoadSender } from './open-loop-run.js';

export const wsLoadSchema = z.object({
  kind: z.literal('ws'),
  /** @example 'ws://127.0.0.1:8080/ws' */
  url: z.string().regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL'),
  /** WebSocket connections opened before the schedule starts; messages go round-robin. @default 10 */
  connections: z.number().int().positive().max(10_000).default(10),
  ...loadBoundsFields,
  /** Message text; `{seq}` is replaced by the message's sequence number. @default 'ping {seq}' */
  message: z.string().default('ping {seq}'),
  /**
   * Wait for a reply per message (echo-style, matched in order per connection) and time it;
   * without it, a message is done once written to the socket.
   * @default true
   */
  expect_reply: z.boolean().default(true),
  /** Reopen a connection the server closed (its messages meanwhile fail as `not_open`). @default true */
  reconnect: z.boolean().default(true),
  /** @default 5000 */
  connect_timeout_ms: z.number().int().positive().default(5000),
});
export type WsLoadSpec = z.output<typeof wsLoadSchema>;

interface Pending {
  resolve(outcome: LoadOutcome): void;
  /** Timed out; a late reply still consumes it so later replies stay matched. */
  settled: boolean;
  timer: NodeJS.Timeout;
}

class Lane {
  ws: WebSocket | undefined;
  readonly pending: Pending[] = [];
  closed = false;

  constructor(private readonly sender: WsLoadSender) {}

  async open(): Promise<void> {
    const spec = this.sender.spec;
    const ws = new WebSocket(spec.url, { handshakeTimeout: spec.connect_timeout_ms });
    this.ws = ws;
    ws.on('message', () => {
      const p = this.pending.shift();
      if (p && !p.settled) {
        p.settled = true;
        clearTimeout(p.timer);
        p.resolve({ ok: true, label: 'reply' });
      }
    });
    ws.on('close', () => {
      for (const p of this.pending.splice(0)) {
        if (!p.settled) {
          p.settled = true;
          clearTimeout(p.timer);
          p.resolve({ ok: false, label: 'closed' });
        }
      }
      if (!this.closed && spec.reconnect) {
        setTimeout(() => {
          if (!this.closed) this.open().catch(() => {});
        }, 50).unref();
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {}); // 'close' follows and does the accounting
  }

  send(seq: number): Promise<LoadOutcome> {
    const ws = this.ws;
    const spec = this.sender.spec;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, label: 'not_open' });
    const text = spec.message.replaceAll('{seq}', String(seq));
    if (!spec.expect_reply) {
      return new Promise((resolve) =>
        ws.send(text, (err) =>
          resolve(err ? { ok: false, label: 'send_error' } : { ok: true, label: 'sent' }),
        ),
      );
    }
    return new Promise((resolve) => {
      const pending: Pending = {
        resolve,
        settled: false,
        timer: setTimeout(() => {
          pending.settled = true;
          resolve({ ok: false, label: 'timeout' });
        }, spec.timeout_ms),
      };
      this.pending.push(pending);
      ws.send(text, (err) => {
        if (err && !pending.settled) {
          pending.settled = true;
          clearTimeout(pending.timer);
          resolve({ ok: false, label: 'send_error' });
        }
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }
}

/** N WebSocket connections, messages round-robin across them. */
export class WsLoadSender implements LoadSender {
  private readonly lanes: Lane[];
  private next = 0;

  constructor(readonly spec: WsLoadSpec) {
    this.lanes = Array.from({ length: spec.connections }, () => new Lane(this));
  }

  /** Opens every connection; fails if none opens (some failing is an effect, recorded per message). */
  async open(): Promise<void> {
    const results = await Promise.allSettled(this.lanes.map((l) => l.open()));
    const failure = results.find((r) => r.status === 'rejected');
    if (results.every((r) => r.status === 'rejected') && failure?.status === 'rejected') throw failure.reason;
  }

  send(seq: number): Promise<LoadOutcome> {
    const lane = this.lanes[this.next] as Lane;
    this.next = (this.next + 1) % this.lanes.length;
    return lane.send(seq);
  }

  /** Terminate every connection (pending messages fail as `closed`), no reconnects. */
  abort(): void {
    for (const lane of this.lanes) void lane.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}
