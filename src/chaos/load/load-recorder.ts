import { build, type Histogram } from 'hdr-histogram-js';

/** Width of a timeline bucket. */
export const BUCKET_MS = 100;

/** How one scheduled request ended. `label` is the status code, or an error code. */
export interface LoadOutcome {
  ok: boolean;
  label: string;
}

export interface Bucket {
  /** Start, ms since the time origin. */
  t_ms: number;
  /** Scheduled in this bucket, including dropped. */
  requests: number;
  /** Failed, including dropped. */
  errors: number;
  dropped: number;
  /** Latencies (µs) of every request that got an outcome (ok or not). */
  histogram: Histogram;
}

/** Histograms hold integer microseconds: ms resolution is too coarse for a local target. */
export function newHistogram(): Histogram {
  return build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/**
 * Records outcomes by their *intended* send time (the open-loop schedule), so a request
 * delayed by a slow target lands in the bucket where the problem began, with the latency
 * the user would have seen: no coordinated omission.
 */
export class LoadRecorder {
  readonly overall = newHistogram();
  private readonly buckets = new Map<number, Bucket>();
  private readonly labels = new Map<string, number>();
  requests = 0;
  errors = 0;
  dropped = 0;

  /** @param origin performance.now() of the run's time origin (t = 0). */
  constructor(readonly origin: number) {}

  record(intendedAt: number, completedAt: number, outcome: LoadOutcome): void {
    const micros = Math.max(1, Math.round((completedAt - intendedAt) * 1000));
    const bucket = this.bucketFor(intendedAt);
    bucket.requests++;
    bucket.histogram.recordValue(micros);
    this.overall.recordValue(micros);
    this.requests++;
    if (!outcome.ok) {
      bucket.errors++;
      this.errors++;
    }
    this.labels.set(outcome.label, (this.labels.get(outcome.label) ?? 0) + 1);
  }

  /** A request the schedule wanted but the in-flight cap refused: an error with no latency. */
  recordDropped(intendedAt: number): void {
    const bucket = this.bucketFor(intendedAt);
    bucket.requests++;
    bucket.errors++;
    bucket.dropped++;
    this.requests++;
    this.errors++;
    this.dropped++;
    this.labels.set('dropped', (this.labels.get('dropped') ?? 0) + 1);
  }

  statusCounts(): Record<string, number> {
    return Object.fromEntries([...this.labels].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Buckets from the first to the last that saw a request, gaps filled with empty ones. */
  timeline(): Bucket[] {
    if (this.buckets.size === 0) return [];
    const keys = [...this.buckets.keys()];
    const first = Math.min(...keys);
    const last = Math.max(...keys);
    const out: Bucket[] = [];
    for (let i = first; i <= last; i++) {
      out.push(
        this.buckets.get(i) ?? {
          t_ms: i * BUCKET_MS,
          requests: 0,
          errors: 0,
          dropped: 0,
          histogram: newHistogram(),
        },
      );
    }
    return out;
  }

  /** Buckets whose start is within [fromMs, toMs), ms since origin. */
  bucketsBetween(fromMs: number, toMs: number): Bucket[] {
    const out: Bucket[] = [];
    for (const b of this.buckets.values()) if (b.t_ms >= fromMs && b.t_ms < toMs) out.push(b);
    return out;
  }

  private bucketFor(at: number): Bucket {
    const index = Math.floor((at - this.origin) / BUCKET_MS);
    let bucket = this.buckets.get(index);
    if (!bucket) {
      bucket = { t_ms: index * BUCKET_MS, requests: 0, errors: 0, dropped: 0, histogram: newHistogram() };
      this.buckets.set(index, bucket);
    }
    return bucket;
  }
}
