import type { ActivityRecord, HypothesisCheck, Journal } from './journal.js';
import type { RunInterruption } from './run-interruption.js';

/** What a run observed, as far as its outcome goes. */
export interface VerdictInput {
  /** The hypothesis check before the method; null when there is no hypothesis or it never ran. */
  before: HypothesisCheck | null;
  /** The checks during the method, in order. */
  during: readonly HypothesisCheck[];
  /** The check after the method; null when skipped (no hypothesis, a failed activity, a stop). */
  after: HypothesisCheck | null;
  /** The method's activity records. */
  records: readonly ActivityRecord[];
  /** Why the run stopped early, if it did. */
  interruption: RunInterruption | undefined;
  /** Text of an error nothing expected (the engine's, the metrics'), if any. */
  unexpected: string | undefined;
}

/** The journal's `status`, `error` and `deviated`. */
export interface Verdict {
  status: Journal['status'];
  /** Absent when the run completed. */
  error?: { code: string; message: string };
  /** The hypothesis was not met during or after the method. */
  deviated: boolean;
}

/**
 * Decides a run's outcome from what it observed; pure.
 *
 * - `deviated`: a check during the method, or the check after it, was not met.
 * - `status`: an `interrupted` or `aborted` interruption gives that status; otherwise any other
 *   interruption (fail-fast), an unexpected error, an unmet steady state before the method, a
 *   failed activity or a deviation gives `failed`; else `completed`.
 * - `error`, the first that applies: the interruption (its code and reason),
 *   `FL_EXPERIMENT_ERROR`, `FL_STEADY_STATE_NOT_MET`, `FL_ACTIVITY_FAILED` (the first failed
 *   activity in record order), `FL_DEVIATED`; none for a completed run.
 */
export function verdict(input: VerdictInput): Verdict {
  const { before, during, after, records, interruption, unexpected } = input;
  const deviated = during.some((c) => !c.met) || (after !== null && !after.met);
  const failedActivity = records.find((r) => r.status === 'failed');
  const error = firstError();
  const status: Journal['status'] =
    interruption?.status === 'interrupted' || interruption?.status === 'aborted'
      ? interruption.status
      : error
        ? 'failed'
        : 'completed';
  return { status, deviated, ...(error ? { error } : {}) };

  function firstError(): Verdict['error'] {
    if (interruption) return { code: interruption.code, message: interruption.reason };
    if (unexpected !== undefined) return { code: 'FL_EXPERIMENT_ERROR', message: unexpected };
    if (before?.met === false) {
      return { code: 'FL_STEADY_STATE_NOT_MET', message: 'the steady state was not met before the method' };
    }
    if (failedActivity) {
      return {
        code: 'FL_ACTIVITY_FAILED',
        message: `activity '${failedActivity.name}' failed: ${failedActivity.error}`,
      };
    }
    if (deviated) {
      return { code: 'FL_DEVIATED', message: 'the steady state deviated during or after the method' };
    }
    return undefined;
  }
}
