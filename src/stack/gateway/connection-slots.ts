import { UpstreamPoolExhaustedError } from './gateway-errors.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  signal: AbortSignal;
  onAbort(): void;
}

/**
 * The per-host connection cap. A request holds a slot from the moment it is sent until its
 * response body is done, so at most `max` requests use the host's pool at once and undici never
 * queues internally. When every slot is taken a request waits in FIFO order, but only for
 * `queueTimeoutMs`: then it is shed with 503 + Retry-After, so pool exhaustion answers fast
 * instead of hanging.
 */
export class ConnectionSlots {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly host: string,
    readonly max: number,
    private readonly queueTimeoutMs: number,
    private readonly retryAfterSeconds: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves once a slot is held; call `release()` exactly once afterwards. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve();
    }
    if (this.queueTimeoutMs === 0) return Promise.reject(this.exhausted());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(this.exhausted());
        }, this.queueTimeoutMs),
        onAbort: () => {
          this.remove(waiter);
          clearTimeout(waiter.timer);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      // The slot passes straight to the next waiter: `used` stays the same.
      clearTimeout(next.timer);
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve();
      return;
    }
    this.used = Math.max(0, this.used - 1);
  }

  private remove(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  private exhausted(): UpstreamPoolExhaustedError {
    return new UpstreamPoolExhaustedError(this.host, this.queueTimeoutMs, this.retryAfterSeconds);
  }
}
