/** One finished call, as the limiter reports it to its limit source. */
export interface LimitSample {
  /** Time the call held its slot, in ms (queueing excluded). */
  readonly rttMs: number;
  /** Calls in flight when this one started, itself included. */
  readonly inFlight: number;
}

/**
 * Where a ConcurrencyLimiter gets its limit: a constant (`FixedLimit`) or an algorithm that
 * learns it from round-trip times (`AdaptiveConcurrencyLimit`). The limiter reads `limit` on each
 * admission and reports every successful call to `sample`.
 */
export interface LimitSource {
  readonly limit: number;
  sample(sample: LimitSample): void;
}

export class FixedLimit implements LimitSource {
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a concurrency limit is an integer >= 1');
  }

  sample(): void {}
}
