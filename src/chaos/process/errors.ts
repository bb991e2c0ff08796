import { FaultlineError } from '../../common/errors.js';

/** A child did not become ready (port, HTTP 200 or log line) within its timeout. */
export class ProcessNotReadyError extends FaultlineError {
  constructor(name: string, what: string, timeoutMs: number, lastLines: readonly string[]) {
    super(
      'FL_PROCESS_NOT_READY',
      `process "${name}" not ready (${what}) within ${timeoutMs} ms` + formatTail(lastLines),
    );
  }
}

/** A child exited while something was waiting for it (readiness, a signal's effect). */
export class ProcessExitedError extends FaultlineError {
  constructor(
    name: string,
    code: number | null,
    signal: NodeJS.Signals | null,
    lastLines: readonly string[],
  ) {
    super(
      'FL_PROCESS_EXITED',
      `process "${name}" exited (code ${code}, signal ${signal})` + formatTail(lastLines),
    );
  }
}

/** Spawning a second child under a name already in use, or naming one that does not exist. */
export class ProcessNameError extends FaultlineError {
  constructor(code: 'FL_PROCESS_NAME_TAKEN' | 'FL_PROCESS_UNKNOWN', message: string) {
    super(code, message, { httpStatus: code === 'FL_PROCESS_UNKNOWN' ? 404 : 409 });
  }
}

/** The supervisor was already stopped (`stopAll`) and refuses to spawn more children. */
export class SupervisorClosedError extends FaultlineError {
  constructor() {
    super('FL_SUPERVISOR_CLOSED', 'process supervisor is stopped; no new children');
  }
}

function formatTail(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return `; last output:\n  ${lines.slice(-10).join('\n  ')}`;
}
