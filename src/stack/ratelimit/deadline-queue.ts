interface Waiter {
  readonly deadline: number;
  /** Cleared once the waiter settled some other way (its work answered in time). */
  onExpire: (() => void) | undefined;
}

/**
 * Deadlines that all share one timeout, served by a single timer. Waiters join in start order,
 * so their deadlines are in order too: the timer is armed for the oldest live one, and expired
 * waiters are taken off the front. One decision costs an array push instead of a setTimeout +
 * clearTimeout pair, which matters at tens of thousands of decisions per second. Waiters that
 * settled in time are dropped from the front on the next `add` too, so the queue holds about
 * the work in flight rather than a whole timeout's worth of finished waiters (which would
 * outlive the young generation and cost the GC).
 */
export class DeadlineQueue {
  private waiters: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Calls `onExpire` after `timeoutMs` unless the returned cancel function is called first. */
  add(onExpire: () => void): () => void {
    const waiters = this.waiters;
    while (this.head < waiters.length && (waiters[this.head] as Waiter).onExpire === undefined) {
      this.head++;
    }
    if (this.head === waiters.length) {
      waiters.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > waiters.length) {
      this.waiters = waiters.slice(this.head);
      this.head = 0;
    }
    const waiter: Waiter = { deadline: performance.now() + this.timeoutMs, onExpire };
    this.waiters.push(waiter);
    if (!this.timer) this.arm(this.timeoutMs);
    return () => {
      waiter.onExpire = undefined;
    };
  }

  /** Waiters queued and not yet dropped (live ones, and settled ones behind a live one). */
  get size(): number {
    return this.waiters.length - this.head;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.expire, Math.max(1, ms));
    this.timer.unref?.();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.waiters.length) {
      const w = this.waiters[this.head] as Waiter;
      if (w.onExpire && w.deadline > now) break;
      this.head++;
      const fire = w.onExpire;
      w.onExpire = undefined;
      fire?.();
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    this.arm((this.waiters[this.head] as Waiter).deadline - now);
  };
}
