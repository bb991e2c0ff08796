/**
 * The one clock of Faultline. Components take a `Clock` (or a `TimerClock` when they schedule
 * work) so tests drive time by hand instead of sleeping; production uses the monotonic
 * `performance.now()` (wall-clock jumps must not open a breaker, expire a rolling window or
 * fire a lease early) and the real `setTimeout`.
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin; only differences are meaningful. */
  now(): number;
}

/** A scheduled callback; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/** A clock that can also schedule: the timer hook for schedulers (toxic schedules, leases, TTLs). */
export interface TimerClock extends Clock {
  /** Calls `callback` once, `ms` milliseconds from now (0 or less: on the next turn). */
  setTimer(callback: () => void, ms: number): Timer;
}

export const systemClock: TimerClock = {
  now: () => performance.now(),
  setTimer(callback, ms) {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to: for tests and simulations. Timers fire during
 * `advance()` / `set()`, in due-time order (ties in scheduling order), each seeing `now()` at its
 * own due time; a timer scheduled by a callback fires in the same advance if it falls due.
 */
export class ManualClock implements TimerClock {
  private t: number;
  private seq = 0;
  private pending: PendingTimer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(callback: () => void, ms: number): Timer {
    const timer: PendingTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, callback, cancelled: false };
    this.pending.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.moveTo(this.t + ms);
  }

  set(ms: number): void {
    if (ms >= this.t) this.moveTo(ms);
    else this.t = ms;
  }

  private moveTo(target: number): void {
    for (;;) {
      let next: PendingTimer | undefined;
      for (const p of this.pending) {
        if (p.cancelled || p.at > target) continue;
        if (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq)) next = p;
      }
      if (!next) break;
      next.cancelled = true;
      this.t = Math.max(this.t, next.at);
      next.callback();
    }
    this.pending = this.pending.filter((p) => !p.cancelled);
    this.t = target;
  }
}
