import type { Histogram } from 'hdr-histogram-js';
import type { FaultWindow, RecoveryTolerance } from './load.js';
import type { LatencySummary, LoadMetrics, TimelinePoint } from './load-metrics.js';
import { BUCKET_MS, type Bucket, type LoadRecorder, newHistogram } from './load-recorder.js';

/** Default `stable_buckets`: 5 good buckets in a row = 500 ms of steady state. */
export const DEFAULT_STABLE_BUCKETS = 5;

const ms = (micros: number) => Math.round(micros) / 1000;

export function latencySummary(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

export function timelinePoint(b: Bucket): TimelinePoint {
  const empty = b.histogram.totalCount === 0;
  return {
    t_ms: b.t_ms,
    rps: ((b.requests - b.dropped) * 1000) / BUCKET_MS,
    error_rate: b.requests === 0 ? 0 : b.errors / b.requests,
    p50_ms: empty ? 0 : ms(b.histogram.getValueAtPercentile(50)),
    p99_ms: empty ? 0 : ms(b.histogram.getValueAtPercentile(99)),
  };
}

/** A bucket with traffic that breaks the tolerance. Empty buckets are neither good nor bad. */
function breaks(p: TimelinePoint, b: Bucket, tol: RecoveryTolerance): boolean {
  return b.requests > 0 && (p.error_rate > tol.error_rate || p.p99_ms > tol.p99_ms);
}

/**
 * Summary, timeline and the derived figures of a load run:
 * - under fault: buckets whose midpoint lies inside a fault window (an open window runs to the end);
 * - time to detect: first injection → end of the first bucket (at or after it) that breaks
 *   tolerance, i.e. when a 100 ms observer could have known;
 * - time to recover: last revert → start of the first run of `stable_buckets` good buckets
 *   (null while a fault is still active, or if the load ended before recovery).
 */
export function deriveLoadMetrics(
  recorder: LoadRecorder,
  faults: readonly FaultWindow[],
  tolerance: RecoveryTolerance,
): LoadMetrics {
  const buckets = recorder.timeline();
  const points = buckets.map(timelinePoint);

  let errorRateUnderFault: number | null = null;
  let p99UnderFault: number | null = null;
  if (faults.length > 0) {
    const inside = buckets.filter((b) => {
      const mid = b.t_ms + BUCKET_MS / 2;
      return faults.some((f) => mid >= f.start_ms && (f.end_ms === null || mid < f.end_ms));
    });
    const requests = inside.reduce((n, b) => n + b.requests, 0);
    if (requests > 0) {
      errorRateUnderFault = inside.reduce((n, b) => n + b.errors, 0) / requests;
      const merged = newHistogram();
      for (const b of inside) merged.add(b.histogram);
      p99UnderFault = merged.totalCount === 0 ? null : ms(merged.getValueAtPercentile(99));
    }
  }

  let timeToDetect: number | null = null;
  let timeToRecover: number | null = null;
  if (faults.length > 0) {
    const firstInjection = Math.min(...faults.map((f) => f.start_ms));
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i] as Bucket;
      if (b.t_ms + BUCKET_MS <= firstInjection) continue;
      if (breaks(points[i] as TimelinePoint, b, tolerance)) {
        timeToDetect = b.t_ms + BUCKET_MS - firstInjection;
        break;
      }
    }
    if (faults.every((f) => f.end_ms !== null)) {
      const lastRevert = Math.max(...faults.map((f) => f.end_ms as number));
      const stable = tolerance.stable_buckets ?? DEFAULT_STABLE_BUCKETS;
      let runStart: number | null = null;
      let good = 0;
      for (let i = 0; i < buckets.length; i++) {
        const b = buckets[i] as Bucket;
        if (b.t_ms + BUCKET_MS <= lastRevert || b.requests === 0) continue;
        if (breaks(points[i] as TimelinePoint, b, tolerance)) {
          good = 0;
          runStart = null;
          continue;
        }
        runStart ??= b.t_ms;
        if (++good >= stable) {
          timeToRecover = Math.max(0, runStart - lastRevert);
          break;
        }
      }
    }
  }

  return {
    requests: recorder.requests,
    errors: recorder.errors,
    error_rate: recorder.requests === 0 ? 0 : recorder.errors / recorder.requests,
    dropped: recorder.dropped,
    latency_ms: latencySummary(recorder.overall),
    status_codes: recorder.statusCounts(),
    error_rate_under_fault: errorRateUnderFault,
    p99_under_fault_ms: p99UnderFault,
    time_to_detect_ms: timeToDetect,
    time_to_recover_ms: timeToRecover,
    timeline: points,
  };
}
