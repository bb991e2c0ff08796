import { settlesWithin } from '../../common/async.js';
import { errorText } from '../../common/text.js';
import type { FaultWindow, LoadRun, RecoveryTolerance } from '../load/load.js';
import type { TargetMetricsSampler } from '../load/target-sampler.js';
import type { Journal } from './journal.js';

/** Time (ms) the load and the target sampler get to stop after a normal end. */
export const METRICS_STOP_MS = 10_000;
/** Time (ms) they get after an interruption, when the process may be about to exit. */
export const INTERRUPTED_METRICS_STOP_MS = 1000;

export interface CollectMetricsInput {
  /** The run's load, if it started one. */
  load: LoadRun | null;
  /** The run's target sampler, if it has targets. */
  targets: TargetMetricsSampler | null;
  /** The faults' windows, for the load's recovery metrics. */
  windows: FaultWindow[];
  /** Recovery tolerance for the load's metrics. */
  tolerance: RecoveryTolerance;
  /** The run was interrupted or aborted: use the short time limit. */
  interrupted: boolean;
}

export interface CollectedMetrics {
  load: Journal['metrics']['load'];
  targets: Journal['metrics']['targets'];
  /** The first failure to read a metric (`load metrics: …`, then `target metrics: …`), if any. */
  error?: string;
}

/**
 * Stops the load and the target sampler, each under a time limit
 * ({@link METRICS_STOP_MS}, or {@link INTERRUPTED_METRICS_STOP_MS} when `interrupted`), and
 * reads their metrics. A part that does not stop in time is read as it stands: the load's
 * requests still in flight are left out, the sampler's last sample is missing. Never throws:
 * a part whose metrics cannot be read is null (load) or empty (targets), and `error` says why.
 */
export async function collectMetrics(input: CollectMetricsInput): Promise<CollectedMetrics> {
  const limitMs = input.interrupted ? INTERRUPTED_METRICS_STOP_MS : METRICS_STOP_MS;
  const errors: string[] = [];

  let load: CollectedMetrics['load'] = null;
  if (input.load) {
    try {
      await settlesWithin(input.load.stop(), limitMs);
      load = input.load.result(input.windows, input.tolerance);
    } catch (err) {
      errors.push(`load metrics: ${errorText(err)}`);
    }
  }

  let targets: CollectedMetrics['targets'] = [];
  if (input.targets) {
    const sampler = input.targets;
    try {
      const stopping = sampler.stop();
      targets = (await settlesWithin(stopping, limitMs)) ? await stopping : sampler.results();
    } catch (err) {
      errors.push(`target metrics: ${errorText(err)}`);
    }
  }

  return { load, targets, ...(errors[0] === undefined ? {} : { error: errors[0] }) };
}
