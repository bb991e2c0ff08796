import type { Backoff } from './backoff.js';

/** The same delay every time: what a plain `halfOpenAfter: 10_000` means. */
export class ConstantBackoff implements Backoff {
  constructor(readonly ms: number) {
    if (!(ms >= 0)) throw new RangeError('ConstantBackoff needs a delay >= 0 ms');
  }

  delay(): number {
    return this.ms;
  }
}
