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
  /** When the first queued chunk entered this stage (performance.now() milliseconds). */
  headArrivedAt(): number;
  /** Passes the first `bytes` bytes (default: the whole first chunk) to the next stage. */
  forward(bytes?: number): void;
  /** Discards the first `bytes` bytes (default: the whole first chunk). */
  drop(bytes?: number): void;
  /** Waits `ms` milliseconds; resolves early when interrupted. */
  sleep(ms: number): Promise<void>;
  /** Waits until interrupted (a toxic that holds data until it is removed). */
  hold(): Promise<void>;
  /** Closes the whole connection after what was already forwarded has been written. */
  closeConnection(): void;
  /** Resets the whole connection (TCP RST to both peers). */
  resetConnection(): void;
  /** Writes bytes back to the peer this stream's data comes from (answers a request itself). */
  respond(data: Buffer): void;
}
