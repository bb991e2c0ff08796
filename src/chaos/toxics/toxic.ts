import type { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';

/**
 * The extension point of the fault proxy. A toxic is a stage in one direction of one
 * connection: it reads chunks from its input queue and decides when and how they move on.
 *
 *     client ──upstream──▶ [toxic] ▶ [toxic] ▶ server
 *     client ◀─downstream─ [toxic] ◀ [toxic] ◀ server
 *
 * `pipe()` runs once per connection, direction and toxic; it is interrupted (stub.interrupted
 * turns true, every pending wait resolves) when the toxic is updated or removed, and is then
 * restarted with the new attributes on the same input queue. Data a toxic has not forwarded or
 * dropped stays in the queue, so swapping toxics never loses, duplicates or reorders a byte.
 *
 * One file per toxic in this folder, registered in `index.ts`. Toxics import nothing from the
 * proxy core.
 */
export interface Toxic<A extends object = Record<string, unknown>, S = undefined> {
  /** Wire name, exactly as Toxiproxy spells it (`latency`, `limit_data`, …). */
  readonly type: string;
  /** The attributes schema; every field has a default, so `{}` is valid unless documented. */
  readonly attributes: z.ZodType<A>;
  /** Optional capabilities, so the core never switches on a concrete toxic. */
  readonly capabilities?: ToxicCapabilities;
  /** Per-connection state kept across updates of the toxic (e.g. bytes already allowed through). */
  newState?(): S;
  /** Moves data from the stub's input to its output until EOF or interruption. */
  pipe(stub: ToxicStub<S>, attributes: A): Promise<void>;
}

export interface ToxicCapabilities {
  /** Toxicity is drawn per HTTP request by the toxic itself, not once per connection. */
  readonly toxicityPerRequest?: boolean;
  /** Streams the toxic may be attached to (default: both). */
  readonly streams?: readonly Stream[];
  /** Stream used when the caller names none (default `downstream`, as in Toxiproxy). */
  readonly defaultStream?: Stream;
}

export type Stream = 'upstream' | 'downstream';

/** What a running toxic sees of its connection and direction. */
export interface ToxicStub<S = undefined> {
  /** True once this run was interrupted (toxic updated or removed, link closed): return promptly. */
  readonly interrupted: boolean;
  /** This toxic's random stream for this connection and direction. */
  readonly rng: SeededRandom;
  /** The toxic's per-connection state (see `Toxic.newState`). */
  readonly state: S;
  /** Toxicity for toxics with `toxicityPerRequest`; 1 otherwise. */
  readonly toxicity: number;
  /**
   * The first queued chunk, waiting for one if the queue is empty. `null` at end of stream or
   * when interrupted (check `interrupted`). Peeking does not consume.
   */
  peek(): Promise<Buffer | null>;
  /**
   * Reads ahead without consuming: the queued bytes from byte `offset` of the queue on (a view
   * into one chunk), waiting until the queue holds more than `offset` bytes. `null` at end of
   * stream or when interrupted. Lets a toxic look at a message cut into many chunks before it
   * decides what to do with it.
   */
  peekAt(offset: number): Promise<Buffer | null>;
  /** When the first queued chunk entered this stage (performance.now() milliseconds). */
  headArrivedAt(): number;
  /** Passes the first `bytes` queued bytes (default: the whole first chunk; may span chunks) to the next stage. */
  forward(bytes?: number): void;
  /** Discards the first `bytes` queued bytes (default: the whole first chunk; may span chunks). */
  drop(bytes?: number): void;
  /** Waits `ms` milliseconds; resolves early when interrupted. */
  sleep(ms: number): Promise<void>;
  /** Waits until interrupted (a toxic that holds data until it is removed). */
  hold(): Promise<void>;
  /**
   * Waits for `promise`, at most `ms` milliseconds (default: no limit): its value, or
   * `undefined` on timeout, rejection or interruption.
   */
  within<T>(promise: Promise<T>, ms?: number): Promise<T | undefined>;
  /** Closes the whole connection after what was already forwarded has been written. */
  closeConnection(): void;
  /** Resets the whole connection (TCP RST to both peers). */
  resetConnection(): void;
  /**
   * Writes bytes back to the peer this stream's data comes from (answers a request itself);
   * with `end`, then ends that direction (FIN) while the peer's data can still be read.
   */
  respond(data: Buffer, options?: { end?: boolean }): void;
  /**
   * Calls `listener` with every chunk written back to the peer this stream's data comes from
   * (the other direction's output, and what toxics up to this one answered with `respond`), in
   * the order written, until this run is interrupted. Lets an HTTP toxic keep answers in order.
   */
  watchReplies(listener: (data: Buffer) => void): void;
}
