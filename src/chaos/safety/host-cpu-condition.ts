import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { StopCondition, StopReading } from './stop-condition.js';

export interface CpuTimes {
  busy: number;
  total: number;
}

export interface HostCpuConditionOptions {
  /** @default 95 */
  thresholdPercent?: number;
  /** How long the CPU must stay at or above the threshold. @default 10000 */
  sustainMs?: number;
  /** Reads cumulative CPU times; the default sums `os.cpus()`. */
  readTimes?: () => CpuTimes;
  now?: () => number;
}

/** Trips when host CPU use (all cores) stays at or above the threshold for `sustainMs`. */
export class HostCpuCondition implements StopCondition {
  readonly name = 'host_cpu';
  private readonly thresholdPercent: number;
  private readonly sustainMs: number;
  private readonly readTimes: () => CpuTimes;
  private readonly now: () => number;
  private last: CpuTimes;
  private hotSince: number | undefined;

  constructor(options: HostCpuConditionOptions = {}) {
    this.thresholdPercent = options.thresholdPercent ?? 95;
    this.sustainMs = options.sustainMs ?? 10_000;
    this.readTimes = options.readTimes ?? readHostCpuTimes;
    this.now = options.now ?? (() => performance.now());
    this.last = this.readTimes();
  }

  async check(): Promise<StopReading> {
    const times = this.readTimes();
    const total = times.total - this.last.total;
    const percent = total <= 0 ? 0 : (100 * (times.busy - this.last.busy)) / total;
    this.last = times;
    const now = this.now();
    if (percent < this.thresholdPercent) {
      this.hotSince = undefined;
      return { tripped: false, detail: `host CPU ${percent.toFixed(1)} %` };
    }
    this.hotSince ??= now;
    const hotFor = now - this.hotSince;
    return {
      tripped: hotFor >= this.sustainMs,
      detail: `host CPU ${percent.toFixed(1)} % >= ${this.thresholdPercent} % for ${Math.round(hotFor)} ms (limit ${this.sustainMs} ms)`,
    };
  }
}

export function readHostCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}
