import type { SeededRandom } from '../../common/rng.js';

export interface ArrivalScheduleOptions {
  /** Arrivals per second. */
  rate: number;
  /** No arrival at or after start + durationMs. */
  durationMs: number;
  /** No more than this many arrivals. */
  maxCount: number;
  /** `constant`: evenly spaced. `poisson`: exponential gaps with the same mean, from `rng`. */
  arrival: 'constant' | 'poisson';
  rng: SeededRandom;
  signal: AbortSignal;
  /** Called for each arrival, late or not, with its sequence number and intended time. */
  fire(seq: number, intendedAt: number): void;
}

/**
 * Open-loop arrivals: every intended time is fixed from the start (never from a previous
 * response), so a slow target cannot slow the schedule. When the timer fires late (a busy
 * event loop), every arrival already due fires at once with its original intended time, so
 * the lateness shows up as latency rather than silently lowering the rate.
 * Resolves after the last arrival, or at once when `signal` aborts.
 */
export function runArrivalSchedule(options: ArrivalScheduleOptions): Promise<void> {
  const { rate, durationMs, maxCount, arrival, rng, signal, fire } = options;
  const meanGap = 1000 / rate;
  const start = performance.now();
  const end = start + durationMs;
  let seq = 0;
  let offset = 0;
  let nextAt = start;
  const gap = () => (arrival === 'poisson' ? -Math.log(1 - rng.next()) * meanGap : meanGap);

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    signal.addEventListener('abort', finish, { once: true });
    if (signal.aborted) return finish();

    const tick = () => {
      timer = undefined;
      const now = performance.now();
      while (nextAt <= now && seq < maxCount && nextAt < end && !signal.aborted) {
        fire(seq++, nextAt);
        // Offsets from the start, so rounding never accumulates into the times.
        offset = arrival === 'constant' ? seq * meanGap : offset + gap();
        nextAt = start + offset;
      }
      if (seq >= maxCount || nextAt >= end || signal.aborted) return finish();
      timer = setTimeout(tick, Math.max(0, nextAt - performance.now()));
    };
    tick();
  });
}
