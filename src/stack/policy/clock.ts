/**
 * The one clock of the stack. Policies take a `Clock` so tests drive time by hand instead of
 * sleeping; production uses the monotonic `performance.now()` (wall-clock jumps must not open a
 * breaker or expire a rolling window).
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin; only differences are meaningful. */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** A clock that only moves when told to: for tests and simulations. */
export class ManualClock implements Clock {
  private t: number;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.t += ms;
  }

  set(ms: number): void {
    this.t = ms;
  }
}
