import type { LoadMetrics } from './load-metrics.js';

/**
 * The load generator's contract with the experiment runner. The generator is open loop
 * (requests are scheduled at a constant arrival rate whatever the latency, so a slow target
 * cannot slow the load down and hide its own latency), always bounded in count and time.
 */
export interface FaultWindow {
  start_ms: number;
  /** null while the fault is still active. */
  end_ms: number | null;
}

export interface RecoveryTolerance {
  /** Highest error rate (0..1) of a 100 ms bucket still counted as steady. */
  error_rate: number;
  /** Highest p99 (ms) of a 100 ms bucket still counted as steady. */
  p99_ms: number;
  /** How many consecutive good buckets count as recovered (default 5 = 500 ms). */
  stable_buckets?: number;
}

export interface LiveLoadStats {
  requests: number;
  errors: number;
  /** Over the last second. */
  rps: number;
  error_rate: number;
  p99_ms: number;
}

export interface LoadRun {
  /** Settles when the load has sent its last request and every response is in (or timed out). */
  readonly done: Promise<void>;
  /** Stops scheduling new requests and waits for those in flight. */
  stop(): Promise<void>;
  live(): LiveLoadStats;
  /** Summary, timeline and derived metrics, with offsets relative to the run's time origin. */
  result(faults: FaultWindow[], tolerance: RecoveryTolerance): LoadMetrics;
}
