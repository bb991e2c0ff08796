import { request } from 'undici';
import { ProcessSampler } from '../process/proc-stats.js';
import type { TargetMetrics } from './load-metrics.js';

/** A process whose resources the journal reports (`metrics.targets`). */
export interface SampledTarget {
  name: string;
  /** The pid, or a function for a process that may restart (e.g. `() => child.pid`). */
  pid?: number | (() => number | undefined);
  /**
   * A URL answering JSON with `event_loop_lag_ms` (a number, or `{ max }` as the reference
   * service's `/admin/stats`). Without it, event-loop lag is reported as null.
   */
  stats_url?: string;
}

export interface TargetSample {
  name: string;
  /** ms since the sampler's origin. */
  t_ms: number;
  pid: number | null;
  cpu_percent: number | null;
  rss_mb: number | null;
  event_loop_lag_ms: number | null;
}

export interface TargetSamplerOptions {
  /** @default 250 */
  interval_ms?: number;
  /** performance.now() at the run's time origin. @default when constructed */
  origin?: number;
}

/**
 * Samples CPU % and RSS (from /proc) and event-loop lag (from the target's stats URL, when it
 * exposes one) of each target every `interval_ms` while started; reports the maxima in the
 * journal's shape, and keeps the series for charts.
 */
export class TargetMetricsSampler {
  private readonly samplers = new Map<string, ProcessSampler>();
  private readonly series: TargetSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly origin: number;

  constructor(
    private readonly targets: readonly SampledTarget[],
    options: TargetSamplerOptions = {},
  ) {
    this.intervalMs = options.interval_ms ?? 250;
    this.origin = options.origin ?? performance.now();
  }

  start(): void {
    if (this.timer) return;
    this.sampling = this.sampleAll();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sampleAll());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stop, take a last sample, and return the journal's `metrics.targets`. */
  async stop(): Promise<TargetMetrics[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling;
    await this.sampleAll();
    return this.results();
  }

  samples(): readonly TargetSample[] {
    return this.series;
  }

  results(): TargetMetrics[] {
    return this.targets.map((t) => {
      const mine = this.series.filter((s) => s.name === t.name);
      const max = (pick: (s: TargetSample) => number | null) => {
        const values = mine.map(pick).filter((v): v is number => v !== null);
        return values.length === 0 ? null : Math.round(Math.max(...values) * 100) / 100;
      };
      const pid = [...mine].reverse().find((s) => s.pid !== null)?.pid ?? undefined;
      return {
        name: t.name,
        ...(pid !== undefined ? { pid } : {}),
        cpu_percent_max: max((s) => s.cpu_percent),
        rss_mb_max: max((s) => s.rss_mb),
        event_loop_lag_ms_max: max((s) => s.event_loop_lag_ms),
      };
    });
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.sampleOne(t)));
  }

  private async sampleOne(target: SampledTarget): Promise<void> {
    const pid = typeof target.pid === 'function' ? target.pid() : target.pid;
    let cpu: number | null = null;
    let rss: number | null = null;
    if (pid !== undefined) {
      let sampler = this.samplers.get(target.name);
      if (!sampler || sampler.pid !== pid) {
        sampler = new ProcessSampler(pid); // restarted: a new pid starts a new CPU baseline
        this.samplers.set(target.name, sampler);
      }
      const s = await sampler.sample();
      cpu = s?.cpu_percent ?? null;
      rss = s ? Math.round(s.rss_mb * 100) / 100 : null;
    }
    const lag = target.stats_url ? await fetchLag(target.stats_url, this.intervalMs) : null;
    this.series.push({
      name: target.name,
      t_ms: Math.round(performance.now() - this.origin),
      pid: pid ?? null,
      cpu_percent: cpu,
      rss_mb: rss,
      event_loop_lag_ms: lag,
    });
  }
}

async function fetchLag(url: string, timeoutMs: number): Promise<number | null> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(Math.max(100, timeoutMs)) });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    const body = (await res.body.json()) as { event_loop_lag_ms?: number | { max?: number } };
    const lag = body.event_loop_lag_ms;
    if (typeof lag === 'number') return lag;
    if (lag && typeof lag.max === 'number') return lag.max;
    return null;
  } catch {
    // A frozen or dead target cannot say: that is not lag we can measure.
    return null;
  }
}
