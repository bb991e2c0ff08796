import { performance } from 'node:perf_hooks';
import { SafetyTimeoutError } from './errors.js';

/** One experiment's time limit, from `RunBudget.beginExperiment`. */
export interface ExperimentBudget {
  /** Aborted with a SafetyTimeoutError when the limit passes. */
  readonly signal: AbortSignal;
  /** The limit (ms), at least 1. */
  readonly limitMs: number;
  /** Clears the timer; call when the experiment ends. */
  end(): void;
}

/**
 * The time limits of one run (a CLI invocation, a suite): each experiment gets at most
 * `maxExperimentMs`, and all of them together at most `maxRunMs`, counted from construction.
 */
export class RunBudget {
  private readonly startedAt = performance.now();
  private expired = false;

  /**
   * @param maxExperimentMs one experiment's limit (ms), CHAOS_MAX_DURATION
   * @param maxRunMs the whole run's limit (ms), CHAOS_MAX_RUN_DURATION
   */
  constructor(
    readonly maxExperimentMs: number,
    readonly maxRunMs: number,
  ) {}

  /**
   * Starts the clock of one experiment: its signal aborts after the smallest of `requestedMs`,
   * `maxExperimentMs` and what is left of the run limit (with a SafetyTimeoutError naming the
   * experiment, or the run when the run limit is what ran out). Throws SafetyTimeoutError when
   * the run limit has already passed.
   */
  beginExperiment(title: string, requestedMs?: number): ExperimentBudget {
    const left = this.maxRunMs - (performance.now() - this.startedAt);
    if (left <= 0 || this.expired) throw new SafetyTimeoutError('the run', this.maxRunMs);
    const own = Math.min(requestedMs ?? Infinity, this.maxExperimentMs);
    const limitMs = Math.max(1, Math.ceil(Math.min(own, left)));
    const byRun = left < own;
    const ac = new AbortController();
    const timer = setTimeout(() => {
      if (byRun) this.expired = true;
      ac.abort(
        byRun
          ? new SafetyTimeoutError('the run', this.maxRunMs)
          : new SafetyTimeoutError(`experiment '${title}'`, limitMs),
      );
    }, limitMs);
    return { signal: ac.signal, limitMs, end: () => clearTimeout(timer) };
  }
}
