import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The engine's time and abort helpers, one of each: wait a while, wait for a promise or a signal,
 * wait for a promise or a time limit. None of them rejects on abort or on time-out; each tells
 * which came first, so callers need no try/catch around a race.
 */

/**
 * Waits `ms` (ms), or less if `signal` aborts first. Resolves true when the full time passed,
 * false when the signal cut it short (or had already aborted). `ms <= 0` resolves true at once.
 */
export async function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return true;
  if (signal?.aborted) return false;
  // node:timers/promises rejects with an AbortError on abort: that is the `false` answer here.
  return sleep(ms, true, signal ? { signal } : undefined).catch(() => false);
}

/**
 * Waits for `work` to settle, or for `signal` to abort, whichever comes first. Resolves true when
 * `work` settled first (fulfilled or rejected: its outcome is the caller's to read from `work`),
 * false when the signal won. A rejection of `work` is never unhandled.
 */
export function raceSignal(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/**
 * Waits for `work` to settle for at most `ms` (ms). Resolves true when it settled in time, false
 * when the time ran out first (the timer is cleared either way). A rejection of `work` is never
 * unhandled.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(), ms);
  try {
    return await raceSignal(work, limit.signal);
  } finally {
    clearTimeout(timer);
  }
}
