/**
 * The abort signal undici sees for one try: the caller's signal (overall timeout, client gone,
 * hedge lost) plus the per-try deadline, with one timer and no AbortController of its own.
 * undici's `headersTimeout` used to carry the deadline, but its timer is coarse (a 300 ms
 * deadline fired near 1 s); `AbortSignal.any` or a controller per try cost more than this on
 * the hot path. undici only needs `aborted`, `reason` and add/removeEventListener('abort').
 */
export class TryDeadline {
  private fired = false;
  private timeoutReason: unknown;
  private listener: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly parent: AbortSignal,
    ms: number,
    /** Built only when the deadline fires: an error with a stack is not free. */
    private readonly reasonOnTimeout: () => unknown,
  ) {
    this.timer = setTimeout(this.fire, ms);
  }

  get aborted(): boolean {
    return this.fired || this.parent.aborted;
  }

  get reason(): unknown {
    return this.fired ? this.timeoutReason : this.parent.reason;
  }

  /** Whether the try ended because its own deadline passed. */
  get timedOut(): boolean {
    return this.fired;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener;
    this.parent.addEventListener('abort', listener, { once: true });
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
    this.parent.removeEventListener('abort', listener);
  }

  /** Stops the deadline (headers are in, or the try is over). */
  clear(): void {
    clearTimeout(this.timer);
  }

  /** The signal to hand to undici (it accepts any EventTarget-like object). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  private readonly fire = (): void => {
    if (this.parent.aborted) return;
    this.fired = true;
    this.timeoutReason = this.reasonOnTimeout();
    const listener = this.listener;
    if (!listener) return;
    this.listener = undefined;
    this.parent.removeEventListener('abort', listener);
    listener();
  };
}
