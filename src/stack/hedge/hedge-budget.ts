import { z } from 'zod';

export const hedgeBudgetOptionsSchema = z.object({
  /**
   * Hedges allowed per request on average: 0.05 keeps the extra load at or under 5 %.
   * @default 0.05
   */
  ratio: z.number().min(0).max(1).default(0.05),
  /**
   * Most hedges that may be saved up while traffic is calm, and so fired in one burst.
   * @default 3
   */
  burst: z.number().min(1).default(3),
});
export type HedgeBudgetOptions = z.input<typeof hedgeBudgetOptionsSchema>;

/**
 * A token bucket filled by requests, not by time: each request adds `ratio` tokens (up to
 * `burst`), each hedge spends one. Over any stretch of N requests at most ratio × N + burst hedges
 * run, whatever the latency does — so a slow upstream cannot double its own load.
 */
export class HedgeBudget {
  readonly ratio: number;
  readonly burst: number;
  private tokens = 0;

  constructor(options: HedgeBudgetOptions = {}) {
    const o = hedgeBudgetOptionsSchema.parse(options);
    this.ratio = o.ratio;
    this.burst = o.burst;
  }

  requestStarted(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio);
  }

  /** Spends a token if there is one. */
  tryHedge(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get available(): number {
    return this.tokens;
  }
}
