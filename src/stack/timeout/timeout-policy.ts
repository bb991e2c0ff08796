import { z } from 'zod';
import { neverAbortedSignal } from '../../common/abort.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { policyChannels } from '../policy/diagnostics.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { runWithTimeout } from './run-with-timeout.js';
import type { TimeoutError } from './timeout-error.js';

export const timeoutPolicyOptionsSchema = z.object({
  /** Deadline in ms. */
  timeoutMs: z.number().positive().max(2_147_483_647),
  /**
   * Reported in the TimeoutError: inside a retry this is the per-try deadline, outside it the
   * overall one.
   * @default 'per-try'
   */
  scope: z.enum(['per-try', 'overall']).default('per-try'),
});
export type TimeoutPolicyOptions = z.input<typeof timeoutPolicyOptionsSchema>;

/**
 * A fixed deadline. Aborts `ctx.signal` (so the callee can cancel its request) and rejects with
 * TimeoutError (FL_TIMEOUT, 504) when it expires. Put it inside a RetryPolicy for a per-try
 * timeout and outside for an overall one.
 */
export class TimeoutPolicy implements Policy {
  private readonly timeoutEmitter = new EventEmitter<TimeoutError>();
  /** A call hit the deadline. */
  readonly onTimeout: Event<TimeoutError> = this.timeoutEmitter.addListener;
  readonly timeoutMs: number;
  readonly scope: 'per-try' | 'overall';

  constructor(options: TimeoutPolicyOptions) {
    const o = timeoutPolicyOptionsSchema.parse(options);
    this.timeoutMs = o.timeoutMs;
    this.scope = o.scope;
  }

  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    return runWithTimeout(fn, signal, this.timeoutMs, this.scope, (error) => {
      this.timeoutEmitter.emit(error);
      if (policyChannels.timeout.hasSubscribers) policyChannels.timeout.publish({ policy: this, error });
    });
  }
}
