/**
 * A token bucket (the algorithm of Envoy's local rate limiter): `burst` tokens, refilled at
 * `ratePerSecond`. Small and local on purpose; the gateway's shared limiter lives in
 * `stack/ratelimit` and this could later delegate to it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token if there is one. A rate of 0 means unlimited. */
  take(): boolean {
    if (this.ratePerSecond === 0) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Ms until one token is available (0 if one is). */
  waitMs(): number {
    if (this.ratePerSecond === 0) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.ratePerSecond) * 1000;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }
}
