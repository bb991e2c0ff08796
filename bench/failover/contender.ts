import type { DatabaseRouter } from '../../src/stack/db/index.js';

/** One failover implementation under the bench's load. */
export interface FailoverContender {
  name: string;
  /** The router the load writes through. */
  router: DatabaseRouter;
  /** The node that leads now, if known. */
  primary(): string | undefined;
  /** kill -9 of the node's Postgres (its process group). */
  kill(node: string): Promise<void>;
  /** Brings the killed node back as a (synchronous) standby of the new primary. */
  rejoin(node: string): Promise<void>;
  port(node: string): number;
  close(): Promise<void>;
}

/** min / median / max (ms) of a list of times. */
export function summarize(times: number[]): { min_ms: number; median_ms: number; max_ms: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 ? (sorted[Math.floor(mid)] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return {
    min_ms: Math.round(sorted[0] ?? 0),
    median_ms: Math.round(median),
    max_ms: Math.round(sorted.at(-1) ?? 0),
  };
}
