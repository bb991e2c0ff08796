import { z } from 'zod';
import { abortReason, neverAbortedSignal, onAbort } from '../../common/abort.js';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { policyChannels } from '../policy/diagnostics.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { FixedLimit, type LimitSource } from './limit-source.js';
import { ShedError, type ShedReason } from './shed-error.js';

export const concurrencyLimiterOptionsSchema = z.object({
  /**
   * Calls allowed in flight at once: a number, or a LimitSource such as AdaptiveConcurrencyLimit.
   * @default 100
   */
  limit: z
    .union([
      z.number().int().min(1),
      z.custom<LimitSource>((v) => typeof v === 'object' && v !== null && 'limit' in v && 'sample' in v),
    ])
    .default(100),
  /**
   * Calls that may wait for a slot, first in first out; beyond it calls are shed at once.
   * 0 = no queue.
   * @default 100
   */
  maxQueue: z.number().int().min(0).default(100),
  /**
   * Longest wait for a slot, in ms; then the call is shed.
   * @default 1000
   */
  queueTimeoutMs: z.number().positive().max(2_147_483_647).default(1000),
  /**
   * Seconds a shed caller is told to wait (the Retry-After header).
   * @default 1
   */
  retryAfterSeconds: z.number().int().min(0).default(1),
  /**
   * Time source for round-trip samples.
   * @default performance.now()
   */
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'now' in v).optional(),
});
export type ConcurrencyLimiterOptions = z.input<typeof concurrencyLimiterOptionsSchema>;

export interface ShedEvent {
  readonly reason: ShedReason;
  readonly inFlight: number;
  readonly queued: number;
}

export interface ConcurrencyLimiterSnapshot {
  readonly limit: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly shed: number;
}

interface Waiter {
  admit: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A concurrency limit with a bounded FIFO queue (a bulkhead): up to `limit` calls run, up to
 * `maxQueue` more wait at most `queueTimeoutMs`, and everything else is shed at once with
 * ShedError (FL_SHED, 503, Retry-After). Shedding fast under overload is the point: a queue that
 * only grows turns an upstream's slowness into everyone's timeouts.
 */
export class ConcurrencyLimiter implements Policy {
  private readonly shedEmitter = new EventEmitter<ShedEvent>();
  /** A call was shed. */
  readonly onShed: Event<ShedEvent> = this.shedEmitter.addListener;
  readonly limitSource: LimitSource;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
  readonly retryAfterSeconds: number;
  private readonly clock: Clock;
  /** FIFO of waiters; cancelled ones stay with `admit` cleared and are skipped (lazy removal). */
  private queue: Waiter[] = [];
  private head = 0;
  private queued = 0;
  private active = 0;
  private shedCount = 0;

  constructor(options: ConcurrencyLimiterOptions = {}) {
    const o = concurrencyLimiterOptionsSchema.parse(options);
    this.limitSource = typeof o.limit === 'number' ? new FixedLimit(o.limit) : o.limit;
    this.maxQueue = o.maxQueue;
    this.queueTimeoutMs = o.queueTimeoutMs;
    this.retryAfterSeconds = o.retryAfterSeconds;
    this.clock = o.clock ?? systemClock;
  }

  snapshot(): ConcurrencyLimiterSnapshot {
    return {
      limit: this.limitSource.limit,
      inFlight: this.active,
      queued: this.queued,
      shed: this.shedCount,
    };
  }

  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.queued === 0 && this.active < this.limitSource.limit) {
      this.active++;
      return this.run(fn, signal);
    }
    if (this.queued >= this.maxQueue) return Promise.reject(this.shed('queue-full'));
    return this.enqueue(signal).then(() => this.run(fn, signal));
  }

  /** Resolves once a slot is held for this caller (the slot is counted before it resolves). */
  private enqueue(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { admit: undefined, timer: undefined };
      const leave = (): boolean => {
        if (!waiter.admit) return false;
        waiter.admit = undefined;
        clearTimeout(waiter.timer);
        unsubscribe();
        // Once nobody waits, drop the cancelled entries too (they would pile up if no slot frees).
        if (--this.queued === 0) {
          this.queue = [];
          this.head = 0;
        }
        return true;
      };
      waiter.admit = () => {
        leave();
        this.active++;
        resolve();
      };
      waiter.timer = setTimeout(() => {
        if (leave()) reject(this.shed('queue-timeout'));
      }, this.queueTimeoutMs);
      const unsubscribe = onAbort(signal, () => {
        if (leave()) reject(abortReason(signal));
      });
      this.queue.push(waiter);
      this.queued++;
    });
  }

  private run<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    const inFlight = this.active;
    const start = this.clock.now();
    let promise: Promise<T>;
    try {
      promise = fn({ signal, attempt: 0 });
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.then(
      (value) => {
        this.release();
        this.limitSource.sample({ rttMs: this.clock.now() - start, inFlight });
        this.drain();
        return value;
      },
      (error: unknown) => {
        this.release();
        this.drain();
        throw error;
      },
    );
  }

  private release(): void {
    this.active--;
  }

  private drain(): void {
    while (this.queued > 0 && this.active < this.limitSource.limit) {
      const waiter = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      waiter?.admit?.();
    }
  }

  private shed(reason: ShedReason): ShedError {
    this.shedCount++;
    if (this.shedEmitter.hasListeners) {
      this.shedEmitter.emit({ reason, inFlight: this.active, queued: this.queued });
    }
    if (policyChannels.shed.hasSubscribers) {
      policyChannels.shed.publish({ limiter: this, reason, inFlight: this.active, queued: this.queued });
    }
    return new ShedError(reason, this.retryAfterSeconds);
  }
}
