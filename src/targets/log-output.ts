import type { Logger } from 'pino';
import type { ManagedProcess } from '../chaos/process/managed-process.js';

/**
 * Logs what a load balancer printed (HAProxy's server state changes, nginx's upstream errors) when
 * it stops, so `--log-file` shows why a target answered as it did. At most the last `max` lines.
 */
export function logTargetOutput(proc: ManagedProcess, logger: Logger | undefined, max = 200): void {
  if (!logger) return;
  const lines = proc.logs.entries().map((l) => l.line);
  if (lines.length === 0) return;
  logger.info({ component: 'target', target: proc.name, lines: lines.slice(-max) }, 'target output');
}
