import { FaultlineError } from '../../common/errors.js';

/** The reference stack could not be started or inspected. */
export class HarnessError extends FaultlineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FL_HARNESS', message, options);
  }
}
