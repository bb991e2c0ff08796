import { HypothesisMissError } from './hypothesis-miss.js';

export interface PollOptions {
  /** Give up after this long (the result then says `met: false`). */
  timeoutMs: number;
  /** @default 25 */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns something other than undefined, or the time is up. For
 * state that changes outside this process (a gateway's view of its hosts) there is no event
 * to wait on, so polling at a short interval is the measurement; `elapsedMs` is its result.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const interval = options.intervalMs ?? 25;
  for (;;) {
    options.signal?.throwIfAborted();
    let value: T | undefined;
    try {
      value = await check();
    } catch {
      value = undefined;
    }
    const elapsedMs = performance.now() - started;
    if (value !== undefined) return { value, elapsedMs };
    if (elapsedMs > options.timeoutMs) {
      throw new HypothesisMissError(`condition not reached within ${options.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
