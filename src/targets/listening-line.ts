import type { ManagedProcess } from '../chaos/process/managed-process.js';
import { TargetError } from './target-errors.js';

/** The readiness pattern of every Faultline process: its one `{"event":"listening",…}` stdout line. */
export const listeningPattern = '"event":"listening"';

/** The last `{"event":"listening",…}` line the process printed, parsed. */
export function listeningLine(proc: ManagedProcess): Record<string, unknown> {
  const lines = proc.logs.entries().filter((l) => l.stream === 'stdout' && l.line.includes(listeningPattern));
  const last = lines.at(-1);
  if (!last) throw new TargetError(`process "${proc.name}" printed no listening line`);
  try {
    return JSON.parse(last.line) as Record<string, unknown>;
  } catch {
    throw new TargetError(`process "${proc.name}" printed a listening line that is not JSON: ${last.line}`);
  }
}
