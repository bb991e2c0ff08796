import type { Quota, QuotaDecision } from './quota.js';

/** One quota to check for one key (a client's bucket, the non-critical share, …). */
export interface QuotaCheck {
  /** Store key, without the store's prefix. */
  readonly key: string;
  readonly quota: Quota;
}

/**
 * Where rate-limiter state lives and where the decision is made, atomically. One decision
 * covers several checks all-or-nothing: the request is admitted only if every check admits it,
 * and only then is every check's state advanced (a refused request costs nothing).
 * Implementations: MemoryLimiterStore (one process), RedisLimiterStore (shared, one Lua round
 * trip per decision). Both are checked by the same contract suite.
 */
export interface LimiterStore {
  /** `memory` or `redis`: for logs and the gateway state. */
  readonly kind: string;
  /**
   * Decides `checks` for a request of `cost` units; answers one decision per check, in order.
   * Rejects when the store cannot answer (a Redis error or timeout); never waits forever.
   */
  decide(checks: readonly QuotaCheck[], cost: number): Promise<QuotaDecision[]>;
  /**
   * Optional capability: the same decision, synchronously, for stores that never wait (memory).
   * The rate limiter then skips its timeout bookkeeping.
   */
  decideSync?(checks: readonly QuotaCheck[], cost: number): QuotaDecision[];
  /** Optional: resolves once the store can decide (connected, script loaded); rejects if it cannot. */
  ready?(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
