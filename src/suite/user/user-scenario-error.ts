import { UsageError } from '../../common/errors.js';

/**
 * A user scenario that cannot be loaded: a module that throws on import or exports no valid
 * Scenario, an invalid experiment file, a duplicate id. One line naming the file; CLI exit 2.
 */
export class UserScenarioError extends UsageError {
  readonly file: string;

  constructor(file: string, problem: string, options: { cause?: unknown } = {}) {
    super(`${file}: ${problem}`, { code: 'FL_SCENARIO_LOAD', ...options });
    this.file = file;
  }
}
