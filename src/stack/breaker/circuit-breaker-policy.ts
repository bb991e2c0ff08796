import { z } from 'zod';
import { neverAbortedSignal } from '../../common/abort.js';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Disposable, type Event, EventEmitter } from '../../common/event.js';
import type { Backoff } from '../backoff/backoff.js';
import { ConstantBackoff } from '../backoff/constant-backoff.js';
import { policyChannels } from '../policy/diagnostics.js';
import { errorsAreFailures, type Outcome } from '../policy/outcome.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { isTimeoutError } from '../timeout/timeout-error.js';
import type { Breaker, BreakerSnapshot } from './breaker.js';
import { brokenCircuitFast } from './broken-circuit-error.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

const toOutcome = (ok: boolean, result: unknown): Outcome =>
  ok ? { ok: true, value: result } : { ok: false, error: result };

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

export const circuitBreakerPolicyOptionsSchema = z.object({
  /** The strategy that decides when a closed circuit opens (ConsecutiveBreaker, FailureRateBreaker). */
  breaker: z.custom<Breaker>(
    (v) => isObject(v) && typeof (v as Breaker).failure === 'function',
    'breaker must implement Breaker',
  ),
  /**
   * How long the circuit stays open before letting probes through: milliseconds, or a Backoff
   * whose attempt counts the re-opens since the circuit last closed (so a flapping upstream is
   * probed less and less often).
   * @default 10000
   */
  halfOpenAfter: z
    .union([
      z.number().min(0),
      z.custom<Backoff>((v) => isObject(v) && typeof (v as Backoff).delay === 'function', 'not a Backoff'),
    ])
    .default(10_000),
  /**
   * Probe calls admitted while half-open; all must succeed to close the circuit, and any failure
   * re-opens it. Calls beyond the probes fail fast.
   * @default 1
   */
  halfOpenProbes: z.number().int().min(1).default(1),
  /**
   * Which outcomes count as failures; lets a 5xx *response* trip the breaker.
   * @default thrown errors are failures, every returned value a success
   */
  isFailure: z.custom<(outcome: Outcome) => boolean>((v) => typeof v === 'function').optional(),
  /**
   * Time source for the open period and durations.
   * @default performance.now()
   */
  clock: z.custom<Clock>((v) => isObject(v) && typeof (v as Clock).now === 'function').optional(),
});
export type CircuitBreakerPolicyOptions = z.input<typeof circuitBreakerPolicyOptionsSchema>;

export interface CircuitBreakerSnapshot {
  readonly state: CircuitState;
  /** Strategy counters while closed. */
  readonly breaker: BreakerSnapshot;
  /** Opens since the circuit last closed (the half-open back-off's attempt). */
  readonly consecutiveOpens: number;
  /** ms until probes are let through; 0 unless open. */
  readonly halfOpenInMs: number;
  readonly probesInFlight: number;
  readonly probeSuccesses: number;
  /** Held open by `isolate()`. */
  readonly isolated: boolean;
}

export interface BreakEvent {
  /**
   * `failure`: the strategy tripped while closed; `probe-failure`: a half-open probe failed;
   * `isolated`: someone called `isolate()`.
   */
  readonly reason: 'failure' | 'probe-failure' | 'isolated';
  readonly outcome: Outcome;
}

export interface CallEvent {
  readonly durationMs: number;
  readonly outcome: Outcome;
}

/**
 * The circuit breaker policy (after cockatiel's CircuitBreakerPolicy): closed → open when its
 * `breaker` says so; open → half-open once `halfOpenAfter` has passed (checked lazily on the next
 * call, so no timers run); half-open admits `halfOpenProbes` probes, closes when they all succeed
 * and re-opens on the first failure. While open every call is rejected at once with
 * BrokenCircuitError. A call that started in an earlier state (or whose caller gave up) is
 * not counted.
 */
export class CircuitBreakerPolicy implements Policy {
  private readonly breakEmitter = new EventEmitter<BreakEvent>();
  private readonly resetEmitter = new EventEmitter<void>();
  private readonly halfOpenEmitter = new EventEmitter<void>();
  private readonly stateChangeEmitter = new EventEmitter<{ from: CircuitState; to: CircuitState }>();
  private readonly successEmitter = new EventEmitter<CallEvent>();
  private readonly failureEmitter = new EventEmitter<CallEvent>();

  /** The circuit opened (from closed or half-open). */
  readonly onBreak: Event<BreakEvent> = this.breakEmitter.addListener;
  /** The circuit closed again after its probes succeeded. */
  readonly onReset: Event<void> = this.resetEmitter.addListener;
  /** The open period ended; probes are now admitted. */
  readonly onHalfOpen: Event<void> = this.halfOpenEmitter.addListener;
  readonly onStateChange: Event<{ from: CircuitState; to: CircuitState }> =
    this.stateChangeEmitter.addListener;
  /** A counted call succeeded (durations are measured only while someone listens). */
  readonly onSuccess: Event<CallEvent> = this.successEmitter.addListener;
  /** A counted call failed. */
  readonly onFailure: Event<CallEvent> = this.failureEmitter.addListener;

  readonly breaker: Breaker;
  private readonly halfOpenAfter: Backoff;
  private readonly halfOpenProbes: number;
  private readonly isFailure: (outcome: Outcome) => boolean;
  private readonly clock: Clock;
  private readonly defaultContext: PolicyContext = { signal: neverAbortedSignal, attempt: 0 };

  private current: CircuitState = 'closed';
  /** Outstanding `isolate()` handles; while > 0 the circuit stays open. */
  private isolations = 0;
  /** Bumped on every transition; outcomes of calls from an older generation are ignored. */
  private generation = 0;
  private halfOpenAt = 0;
  private consecutiveOpens = 0;
  private lastOpenDelay = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;

  constructor(options: CircuitBreakerPolicyOptions) {
    const o = circuitBreakerPolicyOptionsSchema.parse(options);
    this.breaker = o.breaker;
    this.halfOpenAfter =
      typeof o.halfOpenAfter === 'number' ? new ConstantBackoff(o.halfOpenAfter) : o.halfOpenAfter;
    this.halfOpenProbes = o.halfOpenProbes;
    this.isFailure = o.isFailure ?? errorsAreFailures;
    this.clock = o.clock ?? systemClock;
  }

  /** The current state (an expired open period reads as half-open). */
  get state(): CircuitState {
    this.refresh();
    return this.current;
  }

  snapshot(): CircuitBreakerSnapshot {
    this.refresh();
    return {
      state: this.current,
      breaker: this.breaker.snapshot(),
      consecutiveOpens: this.consecutiveOpens,
      halfOpenInMs:
        this.current === 'open' && this.isolations === 0
          ? Math.max(0, this.halfOpenAt - this.clock.now())
          : 0,
      probesInFlight: this.probesInFlight,
      probeSuccesses: this.probeSuccesses,
      isolated: this.isolations > 0,
    };
  }

  /**
   * Whether a call made now would reach `fn`: closed, or half-open with a probe slot free. A
   * balancer can skip a host whose breaker would only fail fast.
   */
  get acceptingCalls(): boolean {
    this.refresh();
    return (
      this.current === 'closed' ||
      (this.current === 'half-open' && this.probesInFlight + this.probeSuccesses < this.halfOpenProbes)
    );
  }

  /**
   * Holds the circuit open (calls fail fast) until every returned handle is disposed; then it
   * closes with fresh counters. For operators and drills: take an upstream out by hand.
   */
  isolate(): Disposable {
    if (this.isolations++ === 0) {
      this.halfOpenAt = Number.POSITIVE_INFINITY;
      if (this.current !== 'open') this.transition('open');
      this.breakEmitter.emit({ reason: 'isolated', outcome: { ok: false, error: undefined } });
    }
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        if (--this.isolations === 0) this.close();
      },
    };
  }

  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    this.refresh();
    let isProbe = false;
    if (this.current !== 'closed') {
      if (this.current === 'open') {
        if (this.isolations > 0)
          return Promise.reject(brokenCircuitFast(0, 'circuit is isolated: failing fast'));
        return Promise.reject(brokenCircuitFast(this.halfOpenAt - this.clock.now()));
      }
      if (this.probesInFlight + this.probeSuccesses >= this.halfOpenProbes) {
        return Promise.reject(brokenCircuitFast(0, 'circuit is half-open: all probes in flight'));
      }
      this.probesInFlight++;
      isProbe = true;
    }
    const generation = this.generation;
    const measure = this.successEmitter.hasListeners || this.failureEmitter.hasListeners;
    const start = measure ? this.clock.now() : 0;
    const ctx = signal === neverAbortedSignal ? this.defaultContext : { signal, attempt: 0 };
    let promise: Promise<T>;
    try {
      promise = fn(ctx);
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.then(
      (value) => {
        this.settle(true, value, generation, isProbe, start, signal);
        return value;
      },
      (error: unknown) => {
        this.settle(false, error, generation, isProbe, start, signal);
        throw error;
      },
    );
  }

  /** Counts one finished call. Builds an Outcome object only when someone needs to see it. */
  private settle(
    ok: boolean,
    settled: unknown,
    generation: number,
    isProbe: boolean,
    start: number,
    signal: AbortSignal,
  ): void {
    if (generation !== this.generation) return;
    let result = settled;
    if (!ok && signal.aborted) {
      // A deadline outside the breaker expired (a TimeoutError, e.g. an overall timeout): that is
      // the callee being too slow, judged as that error. Any other abort means the caller gave
      // up, and the upstream said nothing about its health.
      const reason: unknown = signal.reason;
      if (!isTimeoutError(reason) || !this.isFailure(toOutcome(false, reason))) {
        if (isProbe) this.probesInFlight--;
        return;
      }
      result = reason;
    }
    const failed = this.isFailure === errorsAreFailures ? !ok : this.isFailure(toOutcome(ok, result));
    if (failed) {
      if (this.failureEmitter.hasListeners) {
        this.failureEmitter.emit({ durationMs: this.clock.now() - start, outcome: toOutcome(ok, result) });
      }
    } else if (this.successEmitter.hasListeners) {
      this.successEmitter.emit({ durationMs: this.clock.now() - start, outcome: toOutcome(ok, result) });
    }
    if (isProbe) {
      this.probesInFlight--;
      if (failed) this.open('probe-failure', toOutcome(ok, result));
      else if (++this.probeSuccesses >= this.halfOpenProbes) this.close();
    } else if (failed) {
      if (this.breaker.failure()) this.open('failure', toOutcome(ok, result));
    } else {
      this.breaker.success();
    }
  }

  private refresh(): void {
    if (this.current === 'open' && this.clock.now() >= this.halfOpenAt) {
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
      this.transition('half-open');
      this.halfOpenEmitter.emit();
    }
  }

  private open(reason: BreakEvent['reason'], outcome: Outcome): void {
    this.consecutiveOpens++;
    this.lastOpenDelay = this.halfOpenAfter.delay(this.consecutiveOpens, this.lastOpenDelay);
    this.halfOpenAt = this.clock.now() + this.lastOpenDelay;
    this.transition('open');
    this.breakEmitter.emit({ reason, outcome });
  }

  private close(): void {
    this.consecutiveOpens = 0;
    this.lastOpenDelay = 0;
    this.breaker.reset();
    this.transition('closed');
    this.resetEmitter.emit();
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.stateChangeEmitter.emit({ from, to });
    if (policyChannels.breakerStateChange.hasSubscribers) {
      policyChannels.breakerStateChange.publish({ policy: this, from, to });
    }
  }
}
