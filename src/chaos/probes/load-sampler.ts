import { performance } from 'node:perf_hooks';
import type { LoadRun } from '../load/load.js';
import type { LoadWindow, LoadWindowStats } from './probe.js';

interface Sample {
  at: number;
  requests: number;
  errors: number;
  p99_ms: number;
}

/**
 * Turns the load generator's cumulative live counters into sliding-window figures: it samples
 * `live()` every `intervalMs` and keeps enough history for `maxWindowMs`.
 */
export class LoadSampler implements LoadWindow {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly load: LoadRun,
    private readonly intervalMs = 100,
    private readonly maxWindowMs = 60_000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stats(windowMs: number): LoadWindowStats {
    this.sample();
    const last = this.samples[this.samples.length - 1] as Sample;
    const from = last.at - windowMs;
    // The newest sample at or before the window's start (or the oldest we have).
    let base = this.samples[0] as Sample;
    let p99 = 0;
    for (const s of this.samples) {
      if (s.at <= from) base = s;
      else p99 = Math.max(p99, s.p99_ms);
    }
    const requests = last.requests - base.requests;
    const errors = last.errors - base.errors;
    const seconds = Math.max(last.at - base.at, 1) / 1000;
    return {
      requests,
      errors,
      error_rate: requests === 0 ? 0 : errors / requests,
      rps: requests / seconds,
      p99_ms: p99,
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const live = this.load.live();
    const at = performance.now();
    this.samples.push({ at, requests: live.requests, errors: live.errors, p99_ms: live.p99_ms });
    const keepAfter = at - this.maxWindowMs - this.intervalMs;
    while (this.samples.length > 2 && (this.samples[1] as Sample).at < keepAfter) this.samples.shift();
  }
}
