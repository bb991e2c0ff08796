import { pollUntil } from '../../src/suite/harness/poll-until.js';

export interface UntilOptions {
  /** Give up (reject) after this long (ms). */
  timeoutMs: number;
  /** Time between checks (ms). @default 10 */
  intervalMs?: number;
  /** What is awaited, for the error message. @default "condition" */
  what?: string;
}

/**
 * Waits until `check` returns true, checking every `intervalMs`: for state that has no event
 * to wait on. Rejects with an Error naming `what` when `timeoutMs` passes first (a check that
 * throws counts as false), so a test that goes wrong fails with a reason instead of hanging
 * until vitest's time-out.
 */
export async function until(check: () => boolean | Promise<boolean>, options: UntilOptions): Promise<void> {
  try {
    await pollUntil(async () => ((await check()) ? true : undefined), {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 10,
    });
  } catch {
    throw new Error(`${options.what ?? 'condition'} not reached within ${options.timeoutMs} ms`);
  }
}
