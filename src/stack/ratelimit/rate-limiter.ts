import { z } from 'zod';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import type { LimitFactor } from './aimd-limit-factor.js';
import { DeadlineQueue } from './deadline-queue.js';
import { gcra } from './gcra.js';
import type { LimiterStore, QuotaCheck } from './limiter-store.js';
import { LimiterStoreError } from './limiter-store-error.js';
import { MemoryLimiterStore } from './memory-limiter-store.js';
import { type Quota, type QuotaDecision, scaleQuota } from './quota.js';
import type { RateLimitAlgorithm } from './rate-limit-algorithm.js';
import type { DecisionSource, RateLimitResult } from './rate-limit-result.js';

export const failureOptionsSchema = z
  .object({
    /**
     * When the store cannot answer: `open` decides on a local insurance limiter enforcing
     * limit / `instances` (Envoy's global limiter fails open too); `closed` refuses (503).
     * @default "open"
     */
    mode: z.enum(['open', 'closed']).default('open'),
    /**
     * Longest a decision waits on the store, in ms; then the failure mode answers.
     * @default 50
     */
    timeoutMs: z.number().int().min(1).default(50),
    /**
     * After a store failure, decisions skip the store for this long, in ms; then one decision
     * probes it again (bounded by `timeoutMs`) and coordination resumes on success.
     * @default 1000
     */
    recheckMs: z.number().int().min(1).default(1000),
    /**
     * Gateway instances sharing the store: the insurance limiter allows limit / instances.
     * @default 1
     */
    instances: z.number().int().min(1).default(1),
  })
  .strict();
export type FailureOptions = z.input<typeof failureOptionsSchema>;

export const priorityOptionsSchema = z
  .object({
    /**
     * Share of the limit only critical traffic may use (Stripe keeps 20 % for critical
     * requests): other traffic is also held to limit × (1 − reservedShare).
     * @default 0.2
     */
    reservedShare: z.number().gt(0).lt(1).default(0.2),
  })
  .strict();
export type PriorityOptions = z.input<typeof priorityOptionsSchema>;

export interface RateLimiterOptions {
  /** RateLimit-Policy name. @default "default" */
  policy?: string;
  quota: Quota;
  /** @default a MemoryLimiterStore */
  store?: LimiterStore;
  /** @default gcra */
  algorithm?: RateLimitAlgorithm;
  failure?: FailureOptions;
  /** Reserve a share for critical traffic; off when absent. */
  priority?: PriorityOptions;
  /** Scales the quota (adaptive limiting); 1 when absent. */
  factor?: LimitFactor;
  clock?: Clock;
}

export interface ConsumeOptions {
  /** Units this request uses. @default 1 */
  cost?: number;
  /** Critical traffic may use the reserved share. @default false */
  critical?: boolean;
}

export interface StoreDownEvent {
  readonly error: unknown;
}
export interface StoreUpEvent {
  /** How long decisions were taken without the store, in ms. */
  readonly downMs: number;
}

export interface RateLimiterSnapshot {
  readonly policy: string;
  readonly store: string;
  readonly storeUp: boolean;
  readonly limit: number;
  readonly effectiveLimit: number;
  readonly windowMs: number;
  readonly factor: number;
  readonly admitted: number;
  readonly refused: number;
  readonly fallbackDecisions: number;
}

/**
 * Rate limiting per key over a LimiterStore, with a bounded wait: every decision is raced
 * against `failure.timeoutMs`, so a dead or hung store never holds a request longer than that.
 * When the store fails, the failure mode answers (an insurance MemoryLimiterStore at limit /
 * instances, or a refusal) and the store is left alone for `recheckMs`; the next decision after
 * that probes it, and coordination resumes once it answers. Optional: an adaptive factor
 * scaling the quota, and a share reserved for critical traffic.
 */
export class RateLimiter {
  private readonly downEmitter = new EventEmitter<StoreDownEvent>();
  private readonly upEmitter = new EventEmitter<StoreUpEvent>();
  /** The store failed (error or timeout): decisions go to the failure mode. */
  readonly onStoreDown: Event<StoreDownEvent> = this.downEmitter.addListener;
  /** The store answered again after a failure. */
  readonly onStoreUp: Event<StoreUpEvent> = this.upEmitter.addListener;

  readonly policy: string;
  readonly quota: Quota;
  readonly store: LimiterStore;
  readonly insurance: MemoryLimiterStore;
  readonly failure: z.output<typeof failureOptionsSchema>;
  private readonly reservedShare: number | undefined;
  readonly factorSource: LimitFactor | undefined;
  private readonly clock: Clock;
  private readonly deadlines: DeadlineQueue;
  private downSince: number | undefined;
  private retryStoreAt = 0;
  private probing = false;
  private admitted = 0;
  private refused = 0;
  private fallbacks = 0;

  constructor(options: RateLimiterOptions) {
    const algorithm = options.algorithm ?? gcra;
    this.policy = options.policy ?? 'default';
    this.quota = options.quota;
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryLimiterStore(algorithm, {}, this.clock);
    this.insurance = new MemoryLimiterStore(algorithm, {}, this.clock);
    this.failure = failureOptionsSchema.parse(options.failure ?? {});
    this.deadlines = new DeadlineQueue(this.failure.timeoutMs);
    this.reservedShare = options.priority
      ? priorityOptionsSchema.parse(options.priority).reservedShare
      : undefined;
    this.factorSource = options.factor;
  }

  /** The adaptive factor now (1 without one). */
  get factor(): number {
    return this.factorSource?.factor ?? 1;
  }

  /** The quota in force now (after the adaptive factor). */
  get effectiveQuota(): Quota {
    return scaleQuota(this.quota, this.factor);
  }

  get storeUp(): boolean {
    return this.downSince === undefined;
  }

  snapshot(): RateLimiterSnapshot {
    return {
      policy: this.policy,
      store: this.store.kind,
      storeUp: this.storeUp,
      limit: this.quota.limit,
      effectiveLimit: this.effectiveQuota.limit,
      windowMs: this.quota.windowMs,
      factor: this.factor,
      admitted: this.admitted,
      refused: this.refused,
      fallbackDecisions: this.fallbacks,
    };
  }

  /** Decides one request for `key`; never rejects, never waits longer than `failure.timeoutMs`. */
  async consume(key: string, options: ConsumeOptions = {}): Promise<RateLimitResult> {
    const cost = options.cost ?? 1;
    const quota = this.effectiveQuota;
    const checks = this.checksFor(key, quota, options.critical === true);
    const now = this.clock.now();
    let decisions: QuotaDecision[] | undefined;
    let source: DecisionSource = 'store';
    if (this.store.decideSync) {
      decisions = this.store.decideSync(checks, cost);
    } else if (this.downSince === undefined || (now >= this.retryStoreAt && !this.probing)) {
      decisions = await this.askStore(checks, cost);
    }
    if (!decisions) {
      this.fallbacks++;
      if (this.failure.mode === 'closed') return this.count(this.closedResult(key, quota));
      source = 'insurance';
      const share = 1 / this.failure.instances;
      decisions = this.insurance.decideSync(
        checks.map((c) => ({ key: c.key, quota: scaleQuota(c.quota, share) })),
        cost,
      );
    }
    return this.count(this.resultOf(key, quota, decisions, source));
  }

  /**
   * Waits (at most `timeoutMs`) for the store to connect, so that the first decisions of a fresh
   * process are coordinated. Never rejects: a store not ready in time starts out down, and the
   * failure mode answers until it comes up.
   */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (!this.store.ready) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([
      this.store.ready().then(
        () => true,
        () => false,
      ),
      late,
    ]);
    clearTimeout(timer);
    if (!ok && this.downSince === undefined) {
      const now = this.clock.now();
      this.downSince = now;
      this.retryStoreAt = now + this.failure.recheckMs;
      if (this.downEmitter.hasListeners)
        this.downEmitter.emit({ error: new LimiterStoreError('store not ready') });
    }
    return ok;
  }

  async close(): Promise<void> {
    await Promise.all([this.store.close(), this.insurance.close()]);
  }

  private checksFor(key: string, quota: Quota, critical: boolean): QuotaCheck[] {
    const checks: QuotaCheck[] = [{ key, quota }];
    if (this.reservedShare !== undefined && !critical) {
      checks.push({ key: `${key}|noncritical`, quota: scaleQuota(quota, 1 - this.reservedShare) });
    }
    return checks;
  }

  /** The store's answer within the timeout, or undefined (and the store marked down). */
  private askStore(checks: QuotaCheck[], cost: number): Promise<QuotaDecision[] | undefined> {
    const probe = this.downSince !== undefined;
    if (probe) this.probing = true;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (decisions: QuotaDecision[] | undefined, error?: unknown): void => {
        if (settled) return;
        settled = true;
        cancel();
        if (probe) this.probing = false;
        if (decisions) this.storeAnswered();
        else this.storeFailed(error);
        resolve(decisions);
      };
      const cancel = this.deadlines.add(() =>
        settle(undefined, new LimiterStoreError(`store did not answer within ${this.failure.timeoutMs} ms`)),
      );
      let pending: Promise<QuotaDecision[]>;
      try {
        pending = this.store.decide(checks, cost);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (d) => settle(d),
        (error: unknown) => settle(undefined, error),
      );
    });
  }

  private storeAnswered(): void {
    if (this.downSince === undefined) return;
    const downMs = this.clock.now() - this.downSince;
    this.downSince = undefined;
    if (this.upEmitter.hasListeners) this.upEmitter.emit({ downMs });
  }

  private storeFailed(error: unknown): void {
    const now = this.clock.now();
    this.retryStoreAt = now + this.failure.recheckMs;
    if (this.downSince === undefined) {
      this.downSince = now;
      if (this.downEmitter.hasListeners) this.downEmitter.emit({ error });
    }
  }

  private resultOf(
    key: string,
    quota: Quota,
    decisions: QuotaDecision[],
    source: DecisionSource,
  ): RateLimitResult {
    let allowed = true;
    let remaining = Number.POSITIVE_INFINITY;
    let resetMs = 0;
    let retryAfterMs = 0;
    for (const d of decisions) {
      if (!d.allowed) allowed = false;
      remaining = Math.min(remaining, d.remaining);
      resetMs = Math.max(resetMs, d.resetMs);
      if (!d.allowed) retryAfterMs = Math.max(retryAfterMs, d.retryAfterMs);
    }
    return {
      allowed,
      policy: this.policy,
      limit: quota.limit,
      windowMs: quota.windowMs,
      remaining: Number.isFinite(remaining) ? remaining : 0,
      resetMs,
      retryAfterMs,
      source,
      key,
    };
  }

  private closedResult(key: string, quota: Quota): RateLimitResult {
    return {
      allowed: false,
      policy: this.policy,
      limit: quota.limit,
      windowMs: quota.windowMs,
      remaining: 0,
      resetMs: this.failure.recheckMs,
      retryAfterMs: this.failure.recheckMs,
      source: 'fail-closed',
      key,
    };
  }

  private count(result: RateLimitResult): RateLimitResult {
    if (result.allowed) this.admitted++;
    else this.refused++;
    return result;
  }
}
