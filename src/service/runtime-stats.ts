import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface RuntimeStats {
  /** Mean / p99 / max event-loop delay over the last sampling window, in ms. */
  event_loop_lag_ms: { mean: number; p99: number; max: number };
  rss_mb: number;
  heap_used_mb: number;
  uptime_ms: number;
}

/**
 * Event-loop lag and memory of this process. The lag histogram restarts every `windowMs`,
 * so the figure describes the recent past, not the whole life of the process.
 */
export class RuntimeMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private last = { mean: 0, p99: 0, max: 0 };
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(windowMs = 1000) {
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  private roll(): void {
    this.last = this.current();
    this.histogram.reset();
  }

  private current(): { mean: number; p99: number; max: number } {
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    return {
      mean: ms(this.histogram.mean),
      p99: ms(this.histogram.percentile(99)),
      max: ms(this.histogram.max),
    };
  }

  stats(): RuntimeStats {
    const now = this.current();
    const memory = process.memoryUsage();
    return {
      // The worse of the finished window and the one in progress, so a stall shows at once.
      event_loop_lag_ms: {
        mean: Math.max(now.mean, this.last.mean),
        p99: Math.max(now.p99, this.last.p99),
        max: Math.max(now.max, this.last.max),
      },
      rss_mb: Math.round(memory.rss / 1048576),
      heap_used_mb: Math.round(memory.heapUsed / 1048576),
      uptime_ms: Math.round(performance.now() - this.started),
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
