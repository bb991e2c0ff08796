/**
 * Why the method stopped early; the reason of the run's AbortController. `status` is what the
 * journal reports: `aborted` (a guard or time limit), `interrupted` (a signal, the emergency
 * stop, the caller's AbortSignal) or `failed` (fail-fast deviation).
 */
export class RunInterruption extends Error {
  constructor(
    readonly status: 'aborted' | 'interrupted' | 'failed',
    readonly reason: string,
    readonly code: string,
  ) {
    super(reason);
    this.name = 'RunInterruption';
  }
}

export function interruptionOf(signal: AbortSignal): RunInterruption | undefined {
  return signal.aborted && signal.reason instanceof RunInterruption ? signal.reason : undefined;
}
