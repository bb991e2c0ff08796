import { z } from 'zod';
import { type RandomSource, toRandomFn } from '../../common/rng.js';
import type { Backoff } from './backoff.js';

export const fullJitterBackoffOptionsSchema = z
  .object({
    /**
     * Ceiling of the first retry's delay in ms; it doubles per attempt (Envoy's base_interval).
     * @default 25
     */
    baseMs: z.number().min(0).default(25),
    /**
     * No delay exceeds this, in ms (Envoy's max_interval, 10 × base).
     * @default 250
     */
    capMs: z.number().min(0).default(250),
  })
  .refine((o) => o.capMs >= o.baseMs, { message: 'capMs must be >= baseMs', path: ['capMs'] });
export type FullJitterBackoffOptions = z.input<typeof fullJitterBackoffOptionsSchema>;

/**
 * "Full jitter" (AWS Architecture Blog, 2015): delay = random(0, min(cap, base × 2^(attempt-1))).
 * Spreading retries over the whole interval is what keeps a fleet of clients from retrying in
 * lock-step after a shared failure.
 */
export class FullJitterBackoff implements Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  private readonly random: () => number;

  constructor(options: FullJitterBackoffOptions = {}, random?: RandomSource) {
    const o = fullJitterBackoffOptionsSchema.parse(options);
    this.baseMs = o.baseMs;
    this.capMs = o.capMs;
    this.random = toRandomFn(random);
  }

  delay(attempt: number): number {
    const exp = Math.max(0, Math.min(attempt - 1, 30));
    return this.random() * Math.min(this.capMs, this.baseMs * 2 ** exp);
  }
}
