import { z } from 'zod';
import type { Breaker, BreakerSnapshot } from './breaker.js';

export const consecutiveBreakerOptionsSchema = z.object({
  /**
   * Consecutive failures that open the circuit (Envoy's consecutive_5xx).
   * @default 5
   */
  threshold: z.number().int().min(1).default(5),
});
export type ConsecutiveBreakerOptions = z.input<typeof consecutiveBreakerOptionsSchema>;

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveBreaker implements Breaker {
  readonly threshold: number;
  private consecutive = 0;

  constructor(options: ConsecutiveBreakerOptions = {}) {
    this.threshold = consecutiveBreakerOptionsSchema.parse(options).threshold;
  }

  snapshot(): BreakerSnapshot {
    return { type: 'consecutive', consecutiveFailures: this.consecutive, threshold: this.threshold };
  }

  success(): void {
    this.consecutive = 0;
  }

  failure(): boolean {
    return ++this.consecutive >= this.threshold;
  }

  reset(): void {
    this.consecutive = 0;
  }
}
