import type { SeededRandom } from '../../common/rng.js';
import type { AnyToxic, ToxicStub } from '../toxics/index.js';

/** Where a stage sends what it forwards: the next stage or the destination socket. */
export interface Receiver {
  push(data: Buffer): void;
  end(): void;
}

/** What a stage needs from its chain and connection. */
export interface StageHost {
  /** Bytes entered (+) or left (−) this stage's queue: the chain's backpressure account. */
  onQueued(delta: number): void;
  closeConnection(): void;
  resetConnection(): void;
  /** Writes back to the source peer; `from` is the answering stage (its replies go to the stages up to it). */
  respond(data: Buffer, end: boolean, from: Stage): void;
  onToxicError(err: unknown): void;
}

/** How a stage should run right now, decided by the toxic collection for every connection. */
export interface StagePlan {
  toxic: AnyToxic;
  attributes: object;
  /** Whether the toxic is active (false while waiting for start_after_ms). */
  active: boolean;
  toxicity: number;
}

interface Queued {
  data: Buffer;
  at: number;
}

/**
 * One toxic in one direction of one connection: an input queue plus the toxic running over it.
 * The queue belongs to the stage, not to the toxic run, so a run can be interrupted and
 * replaced (update) or the stage taken out of the chain (removal) with every unforwarded byte
 * still in order in the queue. A stage that should not act (toxicity miss, not yet active)
 * is a synchronous pass-through: no promise per chunk.
 */
export class Stage implements Receiver {
  next: Receiver;
  private queue: Queued[] = [];
  private inputEnded = false;
  private outputEnded = false;
  private run: ToxicRun | undefined;
  private passthrough = true;
  private state: unknown;
  private hasState = false;
  /** Uniform draw made once per connection and direction: acts iff draw < toxicity. */
  private readonly draw: number;
  /** Listeners of runs that watch the replies going back to the source peer. */
  private readonly replyWatchers = new Set<(data: Buffer) => void>();

  constructor(
    readonly key: object,
    private readonly host: StageHost,
    private readonly rng: SeededRandom,
    next: Receiver,
  ) {
    this.next = next;
    this.draw = rng.next();
  }

  /** Starts or restarts the stage with a (new) plan; queued data is kept. */
  apply(plan: StagePlan): void {
    this.run?.interrupt();
    this.run = undefined;
    const perRequest = plan.toxic.capabilities?.toxicityPerRequest === true;
    const acts = plan.active && (perRequest || this.draw < plan.toxicity);
    if (!acts) {
      this.passthrough = true;
      this.flush();
      return;
    }
    this.passthrough = false;
    if (!this.hasState) {
      this.state = plan.toxic.newState?.();
      this.hasState = true;
    }
    const run = new ToxicRun(this, this.rng, this.state, perRequest ? plan.toxicity : 1);
    this.run = run;
    plan.toxic.pipe(run as ToxicStub<unknown>, plan.attributes).then(
      () => this.onRunDone(run),
      (err: unknown) => {
        this.host.onToxicError(err);
        this.onRunDone(run);
      },
    );
  }

  push(data: Buffer): void {
    if (this.outputEnded || data.length === 0) return;
    if (this.passthrough && this.queue.length === 0) {
      this.next.push(data);
      return;
    }
    this.queue.push({ data, at: performance.now() });
    this.host.onQueued(data.length);
    this.run?.wake();
  }

  end(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (this.passthrough) this.flush();
    else this.run?.wake();
  }

  /**
   * Stops the stage and hands back what it still holds, in order, for the chain to pass on.
   * `ended` says the input had ended (so the next receiver must be ended after the data).
   */
  detach(): { data: Buffer[]; ended: boolean } {
    this.run?.interrupt();
    this.run = undefined;
    const data = this.queue.map((q) => q.data);
    const bytes = data.reduce((n, d) => n + d.length, 0);
    this.queue = [];
    if (bytes > 0) this.host.onQueued(-bytes);
    const ended = this.inputEnded && !this.outputEnded;
    this.outputEnded = true;
    return { data, ended };
  }

  /** Stops the running toxic without passing anything on (the connection is going away). */
  stop(): void {
    this.run?.interrupt();
    this.run = undefined;
    this.outputEnded = true;
  }

  /** Whether this stage has ended its output (EOF passed on). */
  get ended(): boolean {
    return this.outputEnded;
  }

  // ---- used by ToxicRun (the stub handed to the toxic) ----

  isCurrent(run: ToxicRun): boolean {
    return this.run === run;
  }

  head(): Queued | undefined {
    return this.queue[0];
  }

  get inputDone(): boolean {
    return this.inputEnded;
  }

  /** The queued bytes from byte `offset` of the queue on, within one chunk; undefined if not queued yet. */
  at(offset: number): Buffer | undefined {
    let base = 0;
    for (const q of this.queue) {
      if (offset < base + q.data.length) return q.data.subarray(offset - base);
      base += q.data.length;
    }
    return undefined;
  }

  take(bytes: number | undefined, forward: boolean): void {
    let left = bytes ?? this.queue[0]?.data.length ?? 0;
    while (left > 0) {
      const head = this.queue[0];
      if (head === undefined) return;
      let out: Buffer;
      if (left >= head.data.length) {
        this.queue.shift();
        out = head.data;
      } else {
        out = head.data.subarray(0, left);
        head.data = head.data.subarray(left);
      }
      left -= out.length;
      this.host.onQueued(-out.length);
      if (forward) this.next.push(out);
    }
  }

  hostCall(kind: 'close' | 'reset'): void {
    if (kind === 'close') this.host.closeConnection();
    else this.host.resetConnection();
  }

  respond(data: Buffer, end: boolean): void {
    this.host.respond(data, end, this);
  }

  watchReplies(listener: (data: Buffer) => void): () => void {
    this.replyWatchers.add(listener);
    return () => this.replyWatchers.delete(listener);
  }

  /** Bytes written back to the source peer: passed to the watching runs. */
  replies(data: Buffer): void {
    for (const w of this.replyWatchers) w(data);
  }

  private onRunDone(run: ToxicRun): void {
    // A toxic that returns on its own (end of stream, or it has nothing more to do) leaves the
    // stage as a pass-through, which passes on the rest and the end of stream.
    if (!this.isCurrent(run)) return;
    run.interrupt(); // ends what the run still watches (replies)
    this.run = undefined;
    this.passthrough = true;
    this.flush();
  }

  private flush(): void {
    if (this.outputEnded) return;
    while (this.queue.length > 0) this.take(undefined, true);
    if (this.inputEnded) {
      this.outputEnded = true;
      this.next.end();
    }
  }
}

/** One run of a toxic over a stage: the ToxicStub. Once interrupted, every call is a no-op. */
class ToxicRun implements ToxicStub<unknown> {
  interrupted = false;
  /** Pending peeks: resolved by new data, end of input or interruption. */
  private readonly peekers = new Set<() => void>();
  /** Pending sleeps and holds: resolved by their timer (sleeps) or interruption. */
  private readonly waiters = new Set<() => void>();
  /** Reply watchers of this run, removed when it is interrupted. */
  private readonly unwatch: Array<() => void> = [];

  constructor(
    private readonly stage: Stage,
    readonly rng: SeededRandom,
    readonly state: unknown,
    readonly toxicity: number,
  ) {}

  peek(): Promise<Buffer | null> {
    if (this.interrupted) return Promise.resolve(null);
    const head = this.stage.head();
    if (head !== undefined) return Promise.resolve(head.data);
    if (this.stage.inputDone) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (): void => {
        this.peekers.delete(done);
        resolve(this.interrupted ? null : (this.stage.head()?.data ?? null));
      };
      this.peekers.add(done);
    });
  }

  async peekAt(offset: number): Promise<Buffer | null> {
    for (;;) {
      if (this.interrupted) return null;
      const found = this.stage.at(offset);
      if (found !== undefined) return found;
      if (this.stage.inputDone) return null;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.peekers.delete(done);
          resolve();
        };
        this.peekers.add(done);
      });
    }
  }

  headArrivedAt(): number {
    return this.stage.head()?.at ?? performance.now();
  }

  forward(bytes?: number): void {
    if (this.live()) this.stage.take(bytes, true);
  }

  drop(bytes?: number): void {
    if (this.live()) this.stage.take(bytes, false);
  }

  sleep(ms: number): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  hold(): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
    });
  }

  within<T>(promise: Promise<T>, ms = Number.POSITIVE_INFINITY): Promise<T | undefined> {
    if (this.interrupted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (value?: T): void => {
        clearTimeout(timer);
        this.waiters.delete(cancel);
        resolve(value);
      };
      const cancel = (): void => done(undefined);
      const timer = Number.isFinite(ms) ? setTimeout(cancel, Math.max(0, ms)) : undefined;
      this.waiters.add(cancel);
      promise.then(
        (value) => done(value),
        () => done(undefined),
      );
    });
  }

  watchReplies(listener: (data: Buffer) => void): void {
    if (this.live()) this.unwatch.push(this.stage.watchReplies(listener));
  }

  closeConnection(): void {
    if (this.live()) this.stage.hostCall('close');
  }

  resetConnection(): void {
    if (this.live()) this.stage.hostCall('reset');
  }

  respond(data: Buffer, options: { end?: boolean } = {}): void {
    if (this.live()) this.stage.respond(data, options.end === true);
  }

  /** New data or end of input. */
  wake(): void {
    for (const p of [...this.peekers]) p();
  }

  interrupt(): void {
    this.interrupted = true;
    for (const u of this.unwatch.splice(0)) u();
    for (const w of [...this.peekers, ...this.waiters]) w();
  }

  private live(): boolean {
    return !this.interrupted && this.stage.isCurrent(this);
  }
}
