import { z } from 'zod';
import { neverAbortedSignal, sleep } from '../../common/abort.js';
import { type Event, EventEmitter } from '../../common/event.js';
import type { RandomSource } from '../../common/rng.js';
import type { Backoff } from '../backoff/backoff.js';
import { FullJitterBackoff } from '../backoff/full-jitter-backoff.js';
import { policyChannels } from '../policy/diagnostics.js';
import type { Outcome } from '../policy/outcome.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import type { RetryBudget } from './retry-budget.js';

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

/** What `shouldRetry` is told besides the outcome. */
export interface RetryDecisionContext {
  /** The try that just finished (0 = the first). */
  readonly attempt: number;
}

export const retryPolicyOptionsSchema = z.object({
  /**
   * Tries in all, the first included (Envoy's num_retries + 1).
   * @default 3
   */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /**
   * Delay before each retry.
   * @default new FullJitterBackoff({ baseMs: 25, capMs: 250 })
   */
  backoff: z.custom<Backoff>((v) => isObject(v) && typeof (v as Backoff).delay === 'function').optional(),
  /**
   * Whether an outcome may be retried. The gateway passes one that checks idempotency (method or
   * Idempotency-Key) and which errors or statuses are retryable.
   * @default every thrown error is retried, no returned value is
   */
  shouldRetry: z
    .custom<(outcome: Outcome, ctx: RetryDecisionContext) => boolean>((v) => typeof v === 'function')
    .optional(),
  /**
   * A budget shared with the other callers of the same upstream; with none, only maxAttempts limits
   * retries.
   */
  budget: z
    .custom<RetryBudget>((v) => isObject(v) && typeof (v as RetryBudget).tryStartRetry === 'function')
    .optional(),
  /** Jitter source for the default back-off. */
  random: z.custom<RandomSource>((v) => typeof v === 'function' || isObject(v)).optional(),
});
export type RetryPolicyOptions = z.input<typeof retryPolicyOptionsSchema>;

export interface RetryEvent {
  /** The try about to start (1 = the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly outcome: Outcome;
}

export interface GiveUpEvent {
  /** `max-attempts`: no tries left; `budget`: the retry budget refused. */
  readonly reason: 'max-attempts' | 'budget';
  readonly attempts: number;
  readonly outcome: Outcome;
}

const retryErrors = (outcome: Outcome): boolean => !outcome.ok;

/**
 * Retries a call while `shouldRetry` says so, up to `maxAttempts` tries, sleeping `backoff` between
 * tries, and only while the shared `budget` has room. `ctx.attempt` tells the callee which try it
 * is, so the gateway can pick another host. The caller's signal stops everything at once,
 * including a back-off sleep. When it gives up, the last outcome is returned or thrown as is.
 */
export class RetryPolicy implements Policy {
  private readonly retryEmitter = new EventEmitter<RetryEvent>();
  private readonly giveUpEmitter = new EventEmitter<GiveUpEvent>();
  /** A retry is about to be scheduled. */
  readonly onRetry: Event<RetryEvent> = this.retryEmitter.addListener;
  /** A retryable outcome could not be retried (no tries left, or budget exhausted). */
  readonly onGiveUp: Event<GiveUpEvent> = this.giveUpEmitter.addListener;

  readonly maxAttempts: number;
  readonly budget: RetryBudget | undefined;
  private readonly backoff: Backoff;
  private readonly shouldRetry: (outcome: Outcome, ctx: RetryDecisionContext) => boolean;

  constructor(options: RetryPolicyOptions = {}) {
    const o = retryPolicyOptionsSchema.parse(options);
    this.maxAttempts = o.maxAttempts;
    this.backoff = o.backoff ?? new FullJitterBackoff({}, o.random);
    this.shouldRetry = o.shouldRetry ?? retryErrors;
    this.budget = o.budget;
  }

  async execute<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    signal: AbortSignal = neverAbortedSignal,
  ): Promise<T> {
    const budget = this.budget;
    budget?.requestStarted();
    let holdingRetry = false;
    try {
      let previousDelay = 0;
      for (let attempt = 0; ; attempt++) {
        let outcome: Outcome<T>;
        try {
          outcome = { ok: true, value: await fn({ signal, attempt }) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        if (holdingRetry) {
          budget?.retryEnded();
          holdingRetry = false;
        }
        if (signal.aborted || !this.shouldRetry(outcome, { attempt })) return unwrap(outcome);
        if (attempt + 1 >= this.maxAttempts) {
          this.giveUp('max-attempts', attempt + 1, outcome);
          return unwrap(outcome);
        }
        if (budget && !budget.tryStartRetry()) {
          this.giveUp('budget', attempt + 1, outcome);
          return unwrap(outcome);
        }
        holdingRetry = budget !== undefined;
        previousDelay = this.backoff.delay(attempt + 1, previousDelay);
        this.retryEmitter.emit({ attempt: attempt + 1, delayMs: previousDelay, outcome });
        if (policyChannels.retry.hasSubscribers) {
          policyChannels.retry.publish({
            policy: this,
            attempt: attempt + 1,
            delayMs: previousDelay,
            outcome,
          });
        }
        if (previousDelay > 0) await sleep(previousDelay, signal);
      }
    } finally {
      if (holdingRetry) budget?.retryEnded();
      budget?.requestEnded();
    }
  }

  private giveUp(reason: GiveUpEvent['reason'], attempts: number, outcome: Outcome): void {
    if (this.giveUpEmitter.hasListeners) this.giveUpEmitter.emit({ reason, attempts, outcome });
    if (policyChannels.retryGiveUp.hasSubscribers) {
      policyChannels.retryGiveUp.publish({ policy: this, reason, attempts, outcome });
    }
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
