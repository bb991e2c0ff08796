import { z } from 'zod';
import { abortReason, type LinkedAbort, linkAbort, neverAbortedSignal, onAbort } from '../../common/abort.js';
import { type Clock, systemClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { policyChannels } from '../policy/diagnostics.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { LatencyWindow, latencyWindowOptionsSchema } from '../timeout/latency-window.js';
import { HedgeBudget, hedgeBudgetOptionsSchema } from './hedge-budget.js';

export const hedgePolicyOptionsSchema = z.object({
  /**
   * Fixed delay before hedging, in ms. Unset: the observed `percentile` latency.
   */
  delayMs: z.number().min(0).optional(),
  /**
   * Latency quantile after which a still-pending call is hedged ("The Tail at Scale": p95).
   * @default 0.95
   */
  percentile: z.number().gt(0).max(1).default(0.95),
  /**
   * Latencies to observe before hedging on a percentile (no hedges until then).
   * @default 20
   */
  minSamples: z.number().int().min(1).default(20),
  /**
   * The hedge delay never drops below this, in ms.
   * @default 1
   */
  minDelayMs: z.number().min(0).default(1),
  /**
   * Extra attempts at most per call (each after a further delay).
   * @default 1
   */
  maxHedges: z.number().int().min(1).max(5).default(1),
  /** Bounds the extra load: at most ratio × requests (+ burst) hedges. */
  budget: hedgeBudgetOptionsSchema.default({ ratio: 0.05, burst: 3 }),
  /** The latency window (ring of recent winning-attempt latencies). */
  window: latencyWindowOptionsSchema.default({ size: 1024, recomputeEvery: 32 }),
});
export type HedgePolicyOptions = z.input<typeof hedgePolicyOptionsSchema>;

/** Runtime hooks a config file cannot express. */
export interface HedgePolicyHooks {
  clock?: Clock;
  /** Read latencies from this window (e.g. shared with an AdaptiveTimeout) instead of a private one. */
  latency?: LatencyWindow;
  /**
   * Record winning attempts' latencies into the window.
   * @default true
   */
  record?: boolean;
}

export interface HedgeEvent {
  /** The hedge's attempt number (1 = first hedge). */
  readonly attempt: number;
  readonly delayMs: number;
}

export interface HedgeSnapshot {
  readonly requests: number;
  readonly hedges: number;
  /** Calls a hedge answered first. */
  readonly hedgeWins: number;
  /** The delay the next call would hedge after, or undefined if it would not hedge. */
  readonly delayMs: number | undefined;
  readonly budgetTokens: number;
}

const lostReason = (): DOMException =>
  new DOMException('another hedged attempt answered first', 'AbortError');

/**
 * Hedged requests: if a call has not answered after the p95 latency (or `delayMs`), start the same
 * call again with `ctx.attempt` + 1 (the gateway sends it to another host); the first success
 * wins and the others are aborted through their signals. A failure only settles the call once
 * no other attempt is pending. Hedges draw on a HedgeBudget so the extra load stays bounded.
 * Only hedge idempotent requests.
 */
export class HedgePolicy implements Policy {
  private readonly hedgeEmitter = new EventEmitter<HedgeEvent>();
  /** A hedge attempt was started. */
  readonly onHedge: Event<HedgeEvent> = this.hedgeEmitter.addListener;
  readonly latency: LatencyWindow;
  readonly budget: HedgeBudget;
  private readonly o: z.output<typeof hedgePolicyOptionsSchema>;
  private readonly clock: Clock;
  private readonly record: boolean;
  private requests = 0;
  private hedges = 0;
  private hedgeWins = 0;

  constructor(options: HedgePolicyOptions = {}, hooks: HedgePolicyHooks = {}) {
    this.o = hedgePolicyOptionsSchema.parse(options);
    this.budget = new HedgeBudget(this.o.budget);
    this.latency = hooks.latency ?? new LatencyWindow(this.o.window);
    this.clock = hooks.clock ?? systemClock;
    this.record = hooks.record ?? true;
  }

  /** The delay after which a pending call is hedged; undefined while too few latencies are known. */
  get delayMs(): number | undefined {
    if (this.o.delayMs !== undefined) return Math.max(this.o.minDelayMs, this.o.delayMs);
    if (this.latency.recorded < this.o.minSamples) return undefined;
    const q = this.latency.quantile(this.o.percentile);
    return q === undefined ? undefined : Math.max(this.o.minDelayMs, q);
  }

  snapshot(): HedgeSnapshot {
    return {
      requests: this.requests,
      hedges: this.hedges,
      hedgeWins: this.hedgeWins,
      delayMs: this.delayMs,
      budgetTokens: this.budget.available,
    };
  }

  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    this.requests++;
    this.budget.requestStarted();
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const delayMs = this.delayMs;
    return new Promise<T>((resolve, reject) => {
      const links: LinkedAbort[] = [];
      let pending = 0;
      let settled = false;
      let hedgeTimer: NodeJS.Timeout | undefined;

      const finish = (winner: LinkedAbort | undefined, reason: unknown = lostReason()): void => {
        settled = true;
        clearTimeout(hedgeTimer);
        unsubscribe();
        for (const link of links) {
          if (link !== winner) link.abort(reason);
          link.dispose();
        }
      };
      const onCallerAbort = (): void => {
        if (settled) return;
        finish(undefined, abortReason(signal));
        reject(abortReason(signal));
      };
      const scheduleHedge = (attempt: number): void => {
        if (delayMs === undefined || attempt > this.o.maxHedges) return;
        hedgeTimer = setTimeout(() => {
          hedgeTimer = undefined;
          if (settled || !this.budget.tryHedge()) return;
          this.hedges++;
          if (this.hedgeEmitter.hasListeners) this.hedgeEmitter.emit({ attempt, delayMs });
          if (policyChannels.hedge.hasSubscribers)
            policyChannels.hedge.publish({ policy: this, attempt, delayMs });
          launch(attempt);
          scheduleHedge(attempt + 1);
        }, delayMs);
      };
      const launch = (attempt: number): void => {
        const link = linkAbort(signal);
        links.push(link);
        pending++;
        const start = this.record ? this.clock.now() : 0;
        let promise: Promise<T>;
        try {
          promise = fn({ signal: link.signal, attempt });
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(
          (value) => {
            pending--;
            if (settled) return;
            if (this.record) this.latency.record(this.clock.now() - start);
            if (attempt > 0) this.hedgeWins++;
            finish(link);
            resolve(value);
          },
          (error: unknown) => {
            pending--;
            if (settled || pending > 0) return;
            finish(undefined);
            reject(error);
          },
        );
      };

      const unsubscribe = onAbort(signal, onCallerAbort);
      launch(0);
      if (!settled) scheduleHedge(1);
    });
  }
}
