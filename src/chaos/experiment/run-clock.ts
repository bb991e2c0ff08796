import { performance } from 'node:perf_hooks';

/**
 * The run's one clock: `*_ms` offsets in the journal are milliseconds since `originMs`
 * (a performance.now() value), and wall-clock instants derive from the same origin, so the
 * two never disagree.
 */
export class RunClock {
  readonly startedAt: Date;

  constructor(readonly originMs: number = performance.now()) {
    this.startedAt = new Date(performance.timeOrigin + originMs);
  }

  /** Milliseconds since the origin, to 0.1 ms. */
  nowMs(): number {
    return this.offsetOf(performance.now());
  }

  /** The offset of a performance.now() value. */
  offsetOf(perfNow: number): number {
    return Math.round((perfNow - this.originMs) * 10) / 10;
  }

  iso(offsetMs: number): string {
    return new Date(this.startedAt.getTime() + offsetMs).toISOString();
  }
}
