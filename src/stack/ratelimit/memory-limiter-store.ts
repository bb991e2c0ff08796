import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import { gcra } from './gcra.js';
import type { LimiterStore, QuotaCheck } from './limiter-store.js';
import type { QuotaDecision } from './quota.js';
import type { AlgorithmStep, LimiterState, RateLimitAlgorithm } from './rate-limit-algorithm.js';

export const memoryLimiterStoreOptionsSchema = z
  .object({
    type: z.literal('memory').optional(),
    /**
     * Most keys kept; past it expired keys are swept, then the oldest written are dropped
     * (a dropped key reads as a full bucket).
     * @default 100000
     */
    maxKeys: z.number().int().min(1).default(100_000),
  })
  .strict();
export type MemoryLimiterStoreOptions = z.input<typeof memoryLimiterStoreOptionsSchema>;

interface Entry {
  state: LimiterState;
  expiresAt: number;
}

/**
 * Limiter state in this process: a Map of key → state with a TTL per key, decided synchronously
 * (the answer is a resolved promise). The default store, and the insurance store that takes
 * over when Redis is unreachable.
 */
export class MemoryLimiterStore implements LimiterStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly steps: AlgorithmStep[] = [];

  constructor(
    private readonly algorithm: RateLimitAlgorithm = gcra,
    options: MemoryLimiterStoreOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.maxKeys = memoryLimiterStoreOptionsSchema.parse(options).maxKeys;
  }

  get size(): number {
    return this.entries.size;
  }

  decide(checks: readonly QuotaCheck[], cost: number): Promise<QuotaDecision[]> {
    return Promise.resolve(this.decideSync(checks, cost));
  }

  /** The same decision, synchronously. */
  decideSync(checks: readonly QuotaCheck[], cost: number): QuotaDecision[] {
    const now = this.clock.now();
    const steps = this.steps;
    steps.length = 0;
    let allowed = true;
    for (const check of checks) {
      const entry = this.entries.get(check.key);
      const state = entry && entry.expiresAt > now ? entry.state : undefined;
      const step = this.algorithm.step(state, check.quota, now, cost);
      if (!step.decision.allowed) allowed = false;
      steps.push(step);
    }
    if (allowed) {
      for (let i = 0; i < checks.length; i++) {
        const step = steps[i] as AlgorithmStep;
        const key = (checks[i] as QuotaCheck).key;
        this.entries.delete(key); // re-insert: Map order is write order, oldest first
        this.entries.set(key, { state: step.next, expiresAt: now + step.ttlMs });
      }
      if (this.entries.size > this.maxKeys) this.evict(now);
    }
    return steps.map((s) => s.decision);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}
