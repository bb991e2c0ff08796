import type { Socket } from 'node:net';
import type { SeededRandom } from '../../common/rng.js';
import { type Receiver, Stage, type StageHost, type StagePlan } from './stage.js';

/** Above this many bytes held in a chain's stages, the source socket stops being read. */
const HIGH_WATER = 4 * 1024 * 1024;

/** Byte counters of one direction, read by the metrics. */
export interface DirectionStats {
  received: number;
  sent: number;
}

/** Writes to the destination socket; counts bytes; ends it once. */
class SocketSink implements Receiver {
  ended = false;
  closed = false;
  /** Told every chunk written (the other direction's toxics watch the replies). */
  onWrite: ((data: Buffer) => void) | undefined;

  constructor(
    readonly socket: Socket,
    private readonly stats: DirectionStats,
  ) {}

  push(data: Buffer): void {
    if (this.closed || this.ended) return;
    this.stats.sent += data.length;
    this.socket.write(data);
    this.onWrite?.(data);
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.socket.end();
  }
}

export interface ChainHooks {
  closeConnection(): void;
  resetConnection(): void;
  /** Writes to the socket this chain reads from (a toxic answering a request itself); `end`: then FIN. */
  respond(data: Buffer, end: boolean): void;
  onToxicError(err: unknown): void;
}

/**
 * One direction of one connection: source socket → stages (one per toxic, in creation order)
 * → destination socket. Stages are added at the end, restarted in place, or taken out with
 * their queued bytes handed to the next receiver, so changes never lose, duplicate or reorder
 * data. Backpressure: the source is paused while the destination needs a drain or the stages
 * hold more than HIGH_WATER bytes.
 */
export class ToxicChain {
  private readonly stages: Stage[] = [];
  readonly sink: SocketSink;
  private sourceEnded = false;
  private buffered = 0;
  private paused = false;
  private readonly host: StageHost;

  constructor(
    private readonly source: Socket,
    destination: Socket,
    private readonly stats: DirectionStats,
    hooks: ChainHooks,
  ) {
    this.sink = new SocketSink(destination, stats);
    this.host = {
      onQueued: (delta) => {
        this.buffered += delta;
        if (delta < 0 && this.paused) this.updateFlow();
      },
      closeConnection: hooks.closeConnection,
      resetConnection: hooks.resetConnection,
      respond: (data, end, from) => {
        // What a stage answers is a reply for it and for the stages before it (their requests
        // reached it), not for the stages after it (they never saw the request).
        for (const s of this.stages) {
          s.replies(data);
          if (s === from) break;
        }
        hooks.respond(data, end);
      },
      onToxicError: hooks.onToxicError,
    };
    destination.on('drain', () => this.updateFlow());
  }

  /** Data read from the source socket. */
  push(data: Buffer): void {
    this.stats.received += data.length;
    (this.stages[0] ?? this.sink).push(data);
    this.updateFlow();
  }

  /** The source socket ended (FIN) or went away. */
  end(): void {
    if (this.sourceEnded) return;
    this.sourceEnded = true;
    (this.stages[0] ?? this.sink).end();
  }

  /** Bytes written back to this chain's source socket by the other direction (replies). */
  replies(data: Buffer): void {
    for (const s of this.stages) s.replies(data);
  }

  /** Appends a stage for a new toxic (toxics chain in creation order). */
  add(key: object, rng: SeededRandom, plan: StagePlan): void {
    const prev = this.stages.at(-1);
    const stage = new Stage(key, this.host, rng, this.sink);
    this.stages.push(stage);
    if (prev) prev.next = stage;
    stage.apply(plan);
    // Whatever precedes the new stage may already have ended: then so has its input.
    if (prev ? prev.ended : this.sourceEnded) stage.end();
  }

  /** Restarts the stage of a changed toxic (attributes, toxicity or activation). */
  update(key: object, plan: StagePlan): void {
    this.stages.find((s) => s.key === key)?.apply(plan);
  }

  /** Takes a toxic's stage out; what it held moves on, in order, to the next receiver. */
  remove(key: object): void {
    const i = this.stages.findIndex((s) => s.key === key);
    const stage = this.stages[i];
    if (stage === undefined) return;
    const next = this.stages[i + 1] ?? this.sink;
    const prev = this.stages[i - 1];
    if (prev) prev.next = next;
    this.stages.splice(i, 1);
    const { data, ended } = stage.detach();
    for (const d of data) next.push(d);
    if (ended) next.end();
    this.updateFlow();
  }

  /** The connection is going away: stop every toxic, write nothing more. */
  stop(): void {
    for (const s of this.stages) s.stop();
    this.sink.closed = true;
  }

  private updateFlow(): void {
    const blocked = this.sink.socket.writableNeedDrain || this.buffered > HIGH_WATER;
    if (blocked && !this.paused) {
      this.paused = true;
      this.source.pause();
    } else if (!blocked && this.paused) {
      this.paused = false;
      this.source.resume();
    }
  }
}
