import type { Logger } from 'pino';
import type { SeededRandom } from '../../common/rng.js';
import { runArrivalSchedule } from './arrival-schedule.js';
import { deriveLoadMetrics } from './derive-metrics.js';
import type { FaultWindow, LiveLoadStats, LoadRun, RecoveryTolerance } from './load.js';
import type { LoadMetrics } from './load-metrics.js';
import { BUCKET_MS, type LoadOutcome, LoadRecorder, newHistogram } from './load-recorder.js';

/**
 * What a protocol contributes to a load run: how to send one request and how to tear down.
 * `send` resolves with the outcome (never rejects for a failed request: rejections are
 * recorded as errors with the error's code as label).
 */
export interface LoadSender {
  send(seq: number): Promise<LoadOutcome>;
  /** Emergency: end every request in flight now (they are recorded as errors). */
  abort(): void;
  /** Release connections once nothing is in flight. */
  close(): Promise<void>;
}

export interface OpenLoopOptions {
  rate: number;
  durationMs: number;
  maxRequests: number;
  maxInFlight: number;
  arrival: 'constant' | 'poisson';
  rng: SeededRandom;
  /** Aborting it stops the schedule and aborts requests in flight (emergency stop). */
  signal: AbortSignal;
  /** performance.now() of the run's time origin. */
  origin: number;
  logger?: Logger;
}

/** The error label of a failed send: its code, or `timeout`/`aborted`, or its name. */
export function errorLabel(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  if (
    e?.name === 'TimeoutError' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return 'timeout';
  }
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') return 'aborted';
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : 'error';
}

/**
 * The protocol-independent half of the load generator: the open-loop schedule, the in-flight
 * cap (over it, a request is counted as dropped, never delayed), the recorder, and the
 * LoadRun contract.
 */
export class OpenLoopRun implements LoadRun {
  readonly done: Promise<void>;
  private readonly recorder: LoadRecorder;
  private readonly stopScheduling = new AbortController();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  /** Completions by completion time, for `live()`: [at, ok, latency µs]. */
  private readonly recent: { at: number; ok: boolean; micros: number }[] = [];

  /** @param prepare opens connections etc.; the schedule starts once it resolves. */
  constructor(
    private readonly prepare: () => Promise<LoadSender>,
    private readonly options: OpenLoopOptions,
  ) {
    this.recorder = new LoadRecorder(options.origin);
    this.done = this.run();
    // `done` still rejects for whoever awaits it; this only keeps an unawaited setup failure
    // from becoming an unhandled rejection.
    this.done.catch(() => {});
  }

  private sender: LoadSender | undefined;

  private async run(): Promise<void> {
    const { signal } = this.options;
    const scheduleSignal = AbortSignal.any([this.stopScheduling.signal, signal]);
    const sender = await this.prepare();
    this.sender = sender;
    // One listener for the whole run (not one per request): abort everything in flight.
    const onAbort = () => sender.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      await runArrivalSchedule({
        rate: this.options.rate,
        durationMs: this.options.durationMs,
        maxCount: this.options.maxRequests,
        arrival: this.options.arrival,
        rng: this.options.rng,
        signal: scheduleSignal,
        fire: (seq, intendedAt) => this.fire(seq, intendedAt),
      });
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    } finally {
      signal.removeEventListener('abort', onAbort);
      await sender.close().catch((err: unknown) => {
        this.options.logger?.warn({ component: 'load', err }, 'closing the load sender failed');
      });
    }
  }

  private fire(seq: number, intendedAt: number): void {
    if (this.inFlight >= this.options.maxInFlight) {
      this.recorder.recordDropped(intendedAt);
      return;
    }
    const sender = this.sender;
    if (!sender) return;
    this.inFlight++;
    sender
      .send(seq)
      .catch((err: unknown): LoadOutcome => ({ ok: false, label: errorLabel(err) }))
      .then((outcome) => {
        const now = performance.now();
        this.recorder.record(intendedAt, now, outcome);
        this.recent.push({ at: now, ok: outcome.ok, micros: (now - intendedAt) * 1000 });
        if (this.recent.length > 100_000) this.recent.splice(0, this.recent.length - 50_000);
        if (--this.inFlight === 0) this.drained?.();
      });
  }

  /** Stops the schedule and waits for requests in flight. Never throws (`done` carries setup errors). */
  async stop(): Promise<void> {
    this.stopScheduling.abort();
    await this.done.catch(() => {});
  }

  live(): LiveLoadStats {
    const now = performance.now();
    const since = now - 1000;
    let stale = 0;
    while (stale < this.recent.length && (this.recent[stale]?.at ?? now) < since) stale++;
    if (stale > 0) this.recent.splice(0, stale);
    const h = newHistogram();
    let errors = 0;
    for (const r of this.recent) {
      h.recordValue(Math.max(1, Math.round(r.micros)));
      if (!r.ok) errors++;
    }
    const n = this.recent.length;
    return {
      requests: this.recorder.requests,
      errors: this.recorder.errors,
      rps: n,
      error_rate: n === 0 ? 0 : errors / n,
      p99_ms: n === 0 ? 0 : Math.round(h.getValueAtPercentile(99)) / 1000,
    };
  }

  result(faults: FaultWindow[], tolerance: RecoveryTolerance): LoadMetrics {
    return deriveLoadMetrics(this.recorder, faults, tolerance);
  }

  /** Requests currently awaiting an outcome. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Bucket width of the timeline (ms). */
  static readonly bucketMs = BUCKET_MS;
}
