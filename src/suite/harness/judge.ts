import type { ActionContext } from '../../chaos/experiment/experiment-schema.js';
import { expectWithin } from './hypothesis-miss.js';
import {
  describeFailures,
  type LoggedRequest,
  type RequestMixLoad,
  type RequestSummary,
  summarizeRequests,
} from './request-mix-load.js';
import type { TimedFault } from './timed-fault.js';

/*
 * The pieces every "judge the hypothesis" action shares: the requests sent while the fault
 * acted, metrics recorded in the journal, and the error-rate check with the failures named.
 * The bounds and the metrics themselves stay in each scenario: they are what it tests.
 */

/** The requests sent while a fault was in place, and their summary. */
export interface RequestWindow {
  from: number;
  to: number;
  during: LoggedRequest[];
  summary: RequestSummary;
}

/**
 * The fault window from the start of the injection (not its end: a slow injection already
 * hurts) to the revert. Call it once the fault has been reverted.
 */
export function faultWindow(load: RequestMixLoad, fault: TimedFault): RequestWindow {
  const from = fault.injectStartedAt as number;
  const to = fault.revertedAt as number;
  const during = load.between(from, to);
  return { from, to, during, summary: summarizeRequests(during) };
}

/** A rate (0..1) rounded to 4 decimals for the journal. */
export function roundRate(rate: number): number {
  return Math.round(rate * 10_000) / 10_000;
}

/** Records every entry of `metrics` in the journal's `metrics.custom`; returns them for the action's result. */
export function recordMetrics<M extends Record<string, number>>(
  setMetric: ActionContext['setMetric'],
  metrics: M,
): M {
  for (const [k, v] of Object.entries(metrics)) setMetric(k, v);
  return metrics;
}

/**
 * Checks the error rate of `requests` is at most `max`; a miss names the failed requests.
 * `summary` is `summarizeRequests(requests)`, passed in since the caller has it already.
 */
export function expectErrorRate(
  what: string,
  requests: readonly LoggedRequest[],
  summary: RequestSummary,
  max: number,
): number {
  return expectWithin(what, summary.errorRate, [0, max], '', () => describeFailures(requests));
}
