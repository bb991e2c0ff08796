import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { type Event, EventEmitter } from '../common/event.js';
import type { RandomSource } from '../common/rng.js';
import { FullJitterBackoff, type FullJitterBackoffOptions } from '../stack/backoff/full-jitter-backoff.js';
import {
  encodeMessage,
  LAST_PARAM,
  type MessageFrame,
  parseFrame,
  payloadOf,
  RESUME_PARAM,
} from '../stack/websocket/session-protocol.js';
import { BufferFullError, ClientClosedError, ClientGaveUpError } from './ws-client-errors.js';

export interface ResilientWebSocketOptions {
  /**
   * Reconnect delays: full jitter, random(0, min(capMs, baseMs × 2^(attempt-1))) (AWS
   * Architecture Blog, "Exponential Backoff and Jitter"). @default { baseMs: 100, capMs: 10000 }
   */
  backoff?: FullJitterBackoffOptions;
  /** Jitter source (seed it for reproducible runs). */
  random?: RandomSource;
  /** Resume the session after a reconnect (off: every connection starts a new session). @default true */
  resume?: boolean;
  /** Messages kept for (re)sending until the gateway acknowledges them; `send` throws past it. @default 1000 */
  maxBufferedMessages?: number;
  /** Give up after this many failed attempts in a row. @default Infinity */
  maxAttempts?: number;
  /** Handshake timeout per attempt, in ms. @default 5000 */
  connectTimeoutMs?: number;
  /**
   * Resume a session another client object held (e.g. persisted across a process restart): its
   * `session` snapshot. Its unacknowledged messages are not carried over.
   */
  resumeFrom?: SessionSnapshot;
  /** Extra `ws` client options (headers, agent …). */
  wsOptions?: WebSocket.ClientOptions;
}

/** What it takes to resume a session elsewhere. */
export interface SessionSnapshot {
  token: string;
  lastOffset: number;
}

export interface SessionOpened {
  sessionId: string;
  /** The session continued (missed messages follow); false: a new session. */
  resumed: boolean;
  /** Some missed messages were no longer in the gateway's log. */
  gap: boolean;
  /** Failed attempts before this one. */
  attempts: number;
}

export interface ReceivedMessage {
  data: string | Buffer;
  /** The message's offset in its session (1, 2, …). */
  seq: number;
}

export interface Disconnected {
  code: number;
  reason: string;
  /** When the next attempt starts, in ms from now; undefined if no reconnect follows. */
  retryInMs: number | undefined;
}

interface Pending {
  cid: number;
  frame: string;
}

/**
 * A WebSocket client for the Faultline gateway's sessions (`faultline/ws-client`). It reconnects with
 * full-jitter back-off, resumes its session (the gateway replays missed messages in order; each
 * message is handed over exactly once, by offset), and buffers sends while offline: every message
 * given to `send` reaches the upstream exactly once (client message ids; the gateway drops repeats).
 */
export class ResilientWebSocket {
  private readonly opened = new EventEmitter<SessionOpened>();
  private readonly received = new EventEmitter<ReceivedMessage>();
  private readonly disconnected = new EventEmitter<Disconnected>();
  /** Fires once when the client stops for good (closed, or gave up), with why. */
  private readonly ended = new EventEmitter<Error>();
  private endedWith: Error | undefined;
  readonly onOpen: Event<SessionOpened> = this.opened.addListener;
  readonly onMessage: Event<ReceivedMessage> = this.received.addListener;
  readonly onDisconnect: Event<Disconnected> = this.disconnected.addListener;

  private ws: WebSocket | undefined;
  private token: string | undefined;
  private sid: string | undefined;
  private lastSeq = 0;
  private nextCid = 1;
  private readonly outbox: Pending[] = [];
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private live = false;
  /** Connections that got their welcome (a close of one that did not is a failed attempt). */
  private readonly welcomed = new WeakSet<WebSocket>();
  private readonly backoff: FullJitterBackoff;
  private readonly maxBuffered: number;

  private readonly urls: readonly string[];
  private nextUrl = 0;

  /**
   * `url`: the gateway, or several instances of it (tried in turn, one per attempt; a session
   * resumes on any of them).
   */
  constructor(
    url: string | readonly string[],
    private readonly options: ResilientWebSocketOptions = {},
  ) {
    this.urls = typeof url === 'string' ? [url] : url;
    if (this.urls.length === 0) throw new TypeError('expected at least one URL');
    this.backoff = new FullJitterBackoff(options.backoff ?? { baseMs: 100, capMs: 10_000 }, options.random);
    this.maxBuffered = options.maxBufferedMessages ?? 1000;
    if (options.resumeFrom) {
      this.token = options.resumeFrom.token;
      this.sid = options.resumeFrom.token.split('.')[0];
      this.lastSeq = options.resumeFrom.lastOffset;
    }
    this.connect();
  }

  get sessionId(): string | undefined {
    return this.sid;
  }

  /** The session's resume token and offset (undefined before the first welcome). */
  get session(): SessionSnapshot | undefined {
    return this.token === undefined ? undefined : { token: this.token, lastOffset: this.lastSeq };
  }

  /** Offset of the last message received. */
  get lastOffset(): number {
    return this.lastSeq;
  }

  /** Messages sent but not yet acknowledged by the gateway. */
  get buffered(): number {
    return this.outbox.length;
  }

  get connected(): boolean {
    return this.live;
  }

  /**
   * Sends a message now or after the next (re)connect; returns its client message id. Throws
   * BufferFullError when `maxBufferedMessages` are unacknowledged, ClientClosedError after close().
   */
  send(data: string | Buffer): number {
    if (this.closed) throw new ClientClosedError();
    if (this.outbox.length >= this.maxBuffered) throw new BufferFullError(this.maxBuffered);
    const cid = this.nextCid++;
    const frame = encodeMessage('c', cid, data, typeof data !== 'string');
    this.outbox.push({ cid, frame });
    if (this.live) this.ws?.send(frame);
    return cid;
  }

  /**
   * Resolves once the next session is open (at once, with undefined, if it is). Rejects with
   * ClientGaveUpError when the client gives up (`maxAttempts`) first, and with ClientClosedError
   * when it is closed first (or already was): a caller never waits on a client that stopped.
   */
  ready(): Promise<SessionOpened | undefined> {
    if (this.live) return Promise.resolve(undefined);
    if (this.endedWith) return Promise.reject(this.endedWith);
    return new Promise((resolve, reject) => {
      const onOpen = this.opened.addListener((e) => {
        onOpen.dispose();
        onEnd.dispose();
        resolve(e);
      });
      const onEnd = this.ended.addListener((err) => {
        onOpen.dispose();
        onEnd.dispose();
        reject(err);
      });
    });
  }

  /** Closes for good (1000): no reconnect; unacknowledged messages are dropped. */
  close(code = 1000, reason = ''): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.end(new ClientClosedError());
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    });
  }

  /** Drops the connection as a network failure would (the client reconnects). For tests and drills. */
  terminate(): void {
    this.live = false;
    this.ws?.terminate();
  }

  private connect(): void {
    const u = new URL(this.urls[this.nextUrl++ % this.urls.length] as string);
    if (this.token && this.options.resume !== false) {
      u.searchParams.set(RESUME_PARAM, this.token);
      u.searchParams.set(LAST_PARAM, String(this.lastSeq));
    }
    const ws = new WebSocket(u, {
      handshakeTimeout: this.options.connectTimeoutMs ?? 5000,
      perMessageDeflate: false,
      ...this.options.wsOptions,
    });
    this.ws = ws;
    ws.on('message', (data: Buffer, binary: boolean) => this.onFrame(ws, data, binary));
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {
      // 'close' follows and schedules the next attempt.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.live = false;
      if (!this.welcomed.has(ws)) this.attempts++;
      const giveUp = this.closed || this.attempts >= (this.options.maxAttempts ?? Number.POSITIVE_INFINITY);
      const retryInMs = giveUp ? undefined : this.backoff.delay(this.attempts + 1);
      this.disconnected.emit({ code, reason: reason.toString(), retryInMs });
      if (retryInMs !== undefined) {
        this.retryTimer = setTimeout(() => this.connect(), retryInMs);
      } else if (!this.closed) {
        // Gave up (close() has already ended the client with ClientClosedError).
        this.end(new ClientGaveUpError(this.attempts));
      }
    });
  }

  /** Records why the client stopped (the first reason wins) and tells the waiting `ready()` calls. */
  private end(err: Error): void {
    if (this.endedWith) return;
    this.endedWith = err;
    this.ended.emit(err);
  }

  private onFrame(ws: WebSocket, data: Buffer, binary: boolean): void {
    const frame = binary ? undefined : parseFrame(data.toString());
    if (!frame) return;
    if (frame.t === 'welcome') {
      if (this.sid !== frame.sid) {
        // A new session: offsets restart; outbox ids are the new session's from here on.
        this.lastSeq = 0;
        if (frame.c === 0 && this.sid !== undefined) this.renumberOutbox();
      }
      this.sid = frame.sid;
      this.token = frame.token;
      while (this.outbox.length > 0 && (this.outbox[0] as Pending).cid <= frame.c) this.outbox.shift();
      this.live = true;
      this.welcomed.add(ws);
      const attempts = this.attempts;
      this.attempts = 0;
      for (const p of this.outbox) ws.send(p.frame);
      this.opened.emit({ sessionId: frame.sid, resumed: frame.resumed, gap: frame.gap, attempts });
    } else if (frame.t === 'a') {
      while (this.outbox.length > 0 && (this.outbox[0] as Pending).cid <= frame.c) this.outbox.shift();
    } else if (frame.t === 'm' && typeof frame.n === 'number') {
      if (frame.n <= this.lastSeq) return;
      this.lastSeq = frame.n;
      this.received.emit({ data: payloadOf(frame as MessageFrame), seq: frame.n });
    }
  }

  /** A new session counts client ids from 1 again: renumber what is still unacknowledged. */
  private renumberOutbox(): void {
    let cid = 1;
    for (const p of this.outbox) {
      const parsed = parseFrame(p.frame) as MessageFrame;
      p.frame = encodeMessage('c', cid, payloadOf(parsed), parsed.b !== undefined);
      p.cid = cid++;
    }
    this.nextCid = cid;
  }
}
