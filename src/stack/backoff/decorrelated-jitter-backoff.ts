import { z } from 'zod';
import { type RandomSource, toRandomFn } from '../../common/rng.js';
import type { Backoff } from './backoff.js';

export const decorrelatedJitterBackoffOptionsSchema = z
  .object({
    /**
     * The smallest delay in ms, and the first one.
     * @default 25
     */
    baseMs: z.number().min(0).default(25),
    /**
     * No delay exceeds this, in ms.
     * @default 250
     */
    capMs: z.number().min(0).default(250),
  })
  .refine((o) => o.capMs >= o.baseMs, { message: 'capMs must be >= baseMs', path: ['capMs'] });
export type DecorrelatedJitterBackoffOptions = z.input<typeof decorrelatedJitterBackoffOptionsSchema>;

/**
 * "Decorrelated jitter" (AWS): delay = min(cap, random(base, previous × 3)). Each delay depends on
 * the last one rather than on the attempt number, so it grows roughly ×1.5 per try on average but
 * never settles into a pattern. Suits long, open-ended waits such as a breaker's half-open delay.
 */
export class DecorrelatedJitterBackoff implements Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  private readonly random: () => number;

  constructor(options: DecorrelatedJitterBackoffOptions = {}, random?: RandomSource) {
    const o = decorrelatedJitterBackoffOptionsSchema.parse(options);
    this.baseMs = o.baseMs;
    this.capMs = o.capMs;
    this.random = toRandomFn(random);
  }

  delay(_attempt: number, previousMs: number): number {
    const upper = Math.max(this.baseMs, previousMs * 3);
    return Math.min(this.capMs, this.baseMs + this.random() * (upper - this.baseMs));
  }
}
