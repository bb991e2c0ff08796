import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import type { StopCondition, StopReading } from './stop-condition.js';

export interface MemoryReading {
  availableBytes: number;
  totalBytes: number;
}

export interface AvailableMemoryConditionOptions {
  /** @default 10 */
  minAvailablePercent?: number;
  /** The default reads MemAvailable from /proc/meminfo, else `os.freemem()`. */
  read?: () => MemoryReading;
}

/** Trips when available memory falls under a share of the total. */
export class AvailableMemoryCondition implements StopCondition {
  readonly name = 'available_memory';
  private readonly minPercent: number;
  private readonly read: () => MemoryReading;

  constructor(options: AvailableMemoryConditionOptions = {}) {
    this.minPercent = options.minAvailablePercent ?? 10;
    this.read = options.read ?? readHostMemory;
  }

  async check(): Promise<StopReading> {
    const { availableBytes, totalBytes } = this.read();
    const percent = (100 * availableBytes) / totalBytes;
    return {
      tripped: percent < this.minPercent,
      detail: `available memory ${percent.toFixed(1)} % (minimum ${this.minPercent} %)`,
    };
  }
}

export function readHostMemory(): MemoryReading {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const kb = (key: string): number | undefined => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(info);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    const available = kb('MemAvailable');
    const total = kb('MemTotal');
    if (available !== undefined && total !== undefined)
      return { availableBytes: available, totalBytes: total };
  } catch {
    // Not Linux: fall through to os.freemem(), which undercounts reclaimable cache.
  }
  return { availableBytes: freemem(), totalBytes: totalmem() };
}
