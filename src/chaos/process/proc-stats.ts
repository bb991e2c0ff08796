import { readFile } from 'node:fs/promises';

/**
 * CPU and memory of a pid from /proc (Linux). CPU % needs two readings: `ProcessSampler`
 * keeps the previous one. 100 % = one core fully busy.
 */
export interface ProcStat {
  /** utime + stime, in seconds. */
  cpu_seconds: number;
  rss_mb: number;
}

/** Linux's USER_HZ; 100 on every mainstream architecture (Node has no sysconf binding). */
const CLOCK_TICKS_PER_SECOND = 100;

/** One reading, or null if the process is gone (or /proc is not there). */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // comm (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    return { cpu_seconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rss_mb: rssKb / 1024 };
  } catch {
    return null;
  }
}

export interface ProcessSample {
  pid: number;
  /** Over the interval since the previous sample; null on the first. */
  cpu_percent: number | null;
  rss_mb: number;
  /** performance.now() */
  at: number;
}

/** Samples one pid; each call to `sample()` reports CPU % since the previous call. */
export class ProcessSampler {
  private previous: { cpu: number; at: number } | undefined;

  constructor(readonly pid: number) {}

  async sample(): Promise<ProcessSample | null> {
    const stat = await readProcStat(this.pid);
    const at = performance.now();
    if (!stat) return null;
    const prev = this.previous;
    this.previous = { cpu: stat.cpu_seconds, at };
    const cpu_percent =
      prev && at > prev.at
        ? Math.max(0, ((stat.cpu_seconds - prev.cpu) / ((at - prev.at) / 1000)) * 100)
        : null;
    return { pid: this.pid, cpu_percent, rss_mb: stat.rss_mb, at };
  }
}
