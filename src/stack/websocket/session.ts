import type WebSocket from 'ws';
import { CloseCode, relayableCode } from './close-codes.js';
import type { SessionLog } from './session-log.js';
import { encodeMessage, type MessageFrame, parseFrame, payloadOf } from './session-protocol.js';

/** Replay reads the log in batches of this many entries. */
const REPLAY_BATCH = 500;
/** Upstream reading pauses while this many messages wait for the log, resumes below a tenth. */
const HIGH_WATER = 1000;

interface Outgoing {
  data: Buffer;
  binary: boolean;
  /** Offset once logged; -1 = not the owner any more. */
  n: number;
  done: boolean;
}

interface Incoming {
  c: number;
  payload: string | Buffer;
  /** 1 new, 0 duplicate, -1 not the owner any more. */
  r: number;
  done: boolean;
}

export interface SessionHooks {
  /** The session is over on this instance (`ended`: also removed from Redis). */
  onGone(session: Session): void;
  /** Counts for stats. */
  onReplay(messages: number, gap: boolean): void;
  onDuplicate(): void;
}

/**
 * One session on its owner instance: the upstream connection, the client connection when one is
 * attached, and the ordering of both directions through the log. Upstream messages are logged
 * (XADD, offset n) before they go to the client, in arrival order; client messages are taken
 * (dedupe on their id) before they go upstream. While no client is attached, the upstream stays
 * open for the resume window and its messages are logged for the replay.
 */
export class Session {
  private client: WebSocket | undefined;
  private replaying = false;
  /** Highest offset sent to the current client. */
  private sentUpTo = 0;
  private readonly outQueue: Outgoing[] = [];
  private readonly inQueue: Incoming[] = [];
  /** Messages of the current tick, logged (or taken) together in one round trip. */
  private appendBatch: Outgoing[] = [];
  private takeBatch: Incoming[] = [];
  private pendingLive: Outgoing[] = [];
  private graceTimer: NodeJS.Timeout | undefined;
  private gone = false;
  private upstreamPaused = false;

  constructor(
    readonly sid: string,
    readonly upstream: WebSocket,
    private readonly owner: string,
    private readonly log: SessionLog,
    private readonly resumeWindowMs: number,
    private readonly hooks: SessionHooks,
  ) {
    upstream.on('message', (data: Buffer, binary: boolean) => this.fromUpstream(data, binary));
    upstream.on('close', (code: number, reason: Buffer) => this.upstreamClosed(code, reason.toString()));
    upstream.on('error', () => {
      // 'close' follows.
    });
  }

  get attached(): boolean {
    return this.client !== undefined;
  }

  get upstreamOpen(): boolean {
    return this.upstream.readyState === this.upstream.OPEN;
  }

  /**
   * Attaches `client` (replacing any previous one, closed 4000), sends the welcome, replays the
   * logged messages after `last`, then goes live. `seq`/`cin` are the session's counters at claim.
   */
  async attach(client: WebSocket, token: string, resumed: boolean, last: number, cin: number): Promise<void> {
    const previous = this.client;
    if (previous) previous.close(CloseCode.sessionMoved, 'session resumed on another connection');
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.client = client;
    this.replaying = true;
    this.pendingLive = [];
    this.sentUpTo = last;
    client.on('close', () => this.detach(client));
    try {
      let after = last;
      let batch = await this.log.range(this.sid, after, REPLAY_BATCH);
      const gap = resumed && batch.length > 0 && (batch[0] as { n: number }).n !== after + 1;
      if (this.client !== client) return;
      client.send(JSON.stringify({ t: 'welcome', sid: this.sid, token, resumed, gap, c: cin }));
      let replayed = 0;
      for (;;) {
        for (const m of batch) {
          if (m.n <= this.sentUpTo) continue;
          client.send(encodeMessage('n', m.n, m.data, m.binary));
          this.sentUpTo = m.n;
          replayed++;
        }
        if (batch.length < REPLAY_BATCH) break;
        after = (batch[batch.length - 1] as { n: number }).n;
        batch = await this.log.range(this.sid, after, REPLAY_BATCH);
        if (this.client !== client) return;
      }
      this.hooks.onReplay(replayed, gap);
      this.replaying = false;
      for (const m of this.pendingLive) this.deliver(m);
      this.pendingLive = [];
    } catch {
      if (this.client === client) client.close(CloseCode.internalError, 'session log unavailable');
    }
  }

  private detach(client: WebSocket): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.replaying = false;
    this.pendingLive = [];
    if (this.gone) return;
    // The resume window starts now: keys live that long, the upstream is held that long.
    this.log.touch(this.sid, this.owner).catch(() => {});
    this.graceTimer = setTimeout(
      () => this.end(CloseCode.goingAway, 'resume window over'),
      this.resumeWindowMs,
    );
    this.graceTimer.unref();
  }

  /** Keeps the session resumable while its client is connected (called on each heartbeat). */
  touch(): void {
    if (!this.client) return;
    this.log.touch(this.sid, this.owner).then(
      (owned) => {
        if (!owned) this.moved();
      },
      () => {},
    );
  }

  private fromUpstream(data: Buffer, binary: boolean): void {
    const entry: Outgoing = { data, binary, n: 0, done: false };
    this.outQueue.push(entry);
    if (!this.upstreamPaused && this.outQueue.length >= HIGH_WATER) {
      this.upstreamPaused = true;
      this.upstream.pause();
    }
    if (this.appendBatch.push(entry) === 1) queueMicrotask(() => this.logBatch());
  }

  private logBatch(): void {
    const batch = this.appendBatch;
    this.appendBatch = [];
    this.log.append(this.sid, this.owner, batch).then(
      (first) => {
        batch.forEach((e, i) => {
          e.n = first < 0 ? -1 : first + i;
          e.done = true;
        });
        this.flushOut();
      },
      () => this.fail(),
    );
  }

  private flushOut(): void {
    while (this.outQueue.length > 0 && (this.outQueue[0] as Outgoing).done) {
      const e = this.outQueue.shift() as Outgoing;
      if (e.n < 0) {
        this.moved();
        return;
      }
      if (this.replaying) this.pendingLive.push(e);
      else this.deliver(e);
    }
    if (this.upstreamPaused && this.outQueue.length < HIGH_WATER / 10) {
      this.upstreamPaused = false;
      this.upstream.resume();
    }
  }

  private deliver(e: Outgoing): void {
    const client = this.client;
    if (!client || e.n <= this.sentUpTo) return;
    client.send(encodeMessage('n', e.n, e.data, e.binary));
    this.sentUpTo = e.n;
  }

  /** A session frame from the client (size and rate were checked by the gateway). */
  receive(client: WebSocket, data: Buffer, binary: boolean): void {
    const frame = binary ? undefined : parseFrame(data.toString());
    if (frame?.t !== 'm' || !Number.isSafeInteger(frame.c) || (frame.c as number) < 1) {
      client.close(
        binary ? CloseCode.unsupportedData : CloseCode.invalidPayload,
        'expected a session message frame',
      );
      return;
    }
    const entry: Incoming = {
      c: frame.c as number,
      payload: payloadOf(frame as MessageFrame),
      r: 0,
      done: false,
    };
    this.inQueue.push(entry);
    if (this.takeBatch.push(entry) === 1) queueMicrotask(() => this.takeBatchNow());
  }

  private takeBatchNow(): void {
    const batch = this.takeBatch;
    this.takeBatch = [];
    let max = 0;
    for (const e of batch) if (e.c > max) max = e.c;
    this.log.takeClientMessages(this.sid, this.owner, max).then(
      (previous) => {
        let taken = previous;
        for (const e of batch) {
          if (previous < 0) e.r = -1;
          else if (e.c > taken) {
            e.r = 1;
            taken = e.c;
          } else e.r = 0;
          e.done = true;
        }
        this.flushIn();
      },
      () => this.fail(),
    );
  }

  private flushIn(): void {
    let acked = 0;
    while (this.inQueue.length > 0 && (this.inQueue[0] as Incoming).done) {
      const e = this.inQueue.shift() as Incoming;
      if (e.r < 0) {
        this.moved();
        return;
      }
      if (e.r === 1) {
        if (this.upstreamOpen) this.upstream.send(e.payload, { binary: typeof e.payload !== 'string' });
      } else this.hooks.onDuplicate();
      if (e.c > acked) acked = e.c;
    }
    // One ack for the batch: the client drops every id up to it.
    if (acked > 0) this.client?.send(`{"t":"a","c":${acked}}`);
  }

  private upstreamClosed(code: number, reason: string): void {
    if (this.gone) return;
    this.client?.close(relayableCode(code), reason.slice(0, 120) || 'upstream closed');
    this.end(undefined, '');
  }

  /** Ends the session here and in Redis; closes the upstream with `code` if given. */
  end(code: number | undefined, reason: string): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.graceTimer);
    if (code !== undefined && this.upstream.readyState <= this.upstream.OPEN)
      this.upstream.close(code, reason);
    this.log.end(this.sid, this.owner).catch(() => {});
    this.hooks.onGone(this);
  }

  /** Another connection or instance claimed the session: let go without touching Redis. */
  moved(): void {
    this.abandon(CloseCode.sessionMoved, 'session resumed elsewhere');
  }

  /** Lets go of the session locally (gateway shutdown, takeover): Redis keeps it for a resume. */
  abandon(code: number, reason: string): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.graceTimer);
    this.client?.close(code, reason);
    if (this.upstream.readyState <= this.upstream.OPEN) this.upstream.close(CloseCode.goingAway, reason);
    this.hooks.onGone(this);
  }

  private fail(): void {
    if (this.gone) return;
    this.client?.close(CloseCode.internalError, 'session log unavailable');
  }
}
