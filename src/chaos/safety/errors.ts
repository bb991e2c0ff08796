import { FaultlineError } from '../../common/errors.js';

/** The environment is not one chaos may run in (wrong ENVIRONMENT, a shared database, ...). CLI exit 3. */
export class SafetyRefusedError extends FaultlineError {
  /** One line per failed check. */
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[]) {
    super('FL_SAFETY_REFUSED', `safety refused to start: ${reasons.join('; ')}`, {
      httpStatus: 403,
      exitCode: 3,
    });
    this.reasons = reasons;
  }
}

/** An experiment or the whole run went past its time limit (CHAOS_MAX_DURATION, run limit). CLI exit 4. */
export class SafetyTimeoutError extends FaultlineError {
  readonly limitMs: number;

  constructor(what: string, limitMs: number) {
    super('FL_SAFETY_TIMEOUT', `${what} exceeded its time limit of ${limitMs} ms`, {
      httpStatus: 408,
      exitCode: 4,
    });
    this.limitMs = limitMs;
  }
}

/** A stop condition (host CPU, available memory, a user probe) tripped and aborted the run. CLI exit 4. */
export class StopConditionError extends FaultlineError {
  readonly condition: string;

  constructor(condition: string, detail: string) {
    super('FL_STOP_CONDITION', `stop condition '${condition}' tripped: ${detail}`, {
      httpStatus: 409,
      exitCode: 4,
    });
    this.condition = condition;
  }
}

/** The emergency stop fired (SIGINT, SIGTERM, an uncaught error or a call). CLI exit 130. */
export class EmergencyStopError extends FaultlineError {
  constructor(reason: string) {
    super('FL_EMERGENCY_STOP', `emergency stop: ${reason}`, { httpStatus: 503, exitCode: 130 });
  }
}

/** Something was registered twice under the same id while still active. */
export class DuplicateRegistrationError extends FaultlineError {
  constructor(id: string) {
    super('FL_SAFETY_DUPLICATE', `'${id}' is already registered with the safety controller`, {
      httpStatus: 409,
    });
  }
}
