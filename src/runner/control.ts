import { FaultlineError } from '../common/errors.js';

/**
 * A negative control of a scenario: the same run with one claimed capability removed. It must
 * make the scenario fail; a control that passes means the claim is not proven (a hypothesis that
 * still holds without the capability proves nothing about it). `stack` is data the scenario's
 * harness applies (for the reference stack, a `StackChange` of src/suite/control.ts: gateway
 * config rewrite, service environment; for the database, cache, rate-limit and WebSocket
 * scenarios, their harness's own change type), never a code patch.
 */
export interface ScenarioControl<Change = unknown> {
  /** snake_case, unique within its scenario. @example 'retries_off' */
  readonly name: string;
  /** The claim of the scenario's description this control tests, in its words. */
  readonly claim: string;
  /** What is changed, one line for reports and docs. @example 'retry.maxRetries 0' */
  readonly change: string;
  /** The change itself, applied by the scenario's harness. */
  readonly stack: Change;
  /**
   * The hypothesis checks the control must miss, as words of their labels (the reason of the
   * failed run must contain one of them, e.g. `'acknowledged writes missing'`). A control that
   * fails for another reason (a steady state lost on an overloaded machine, a setup error) proves
   * nothing about its claim. Absent: any failure counts.
   */
  readonly misses?: readonly string[];
}

/** A run's context carried a control its scenario does not declare. */
export class UndeclaredControlError extends FaultlineError {
  constructor(control: string, declared: readonly string[]) {
    super(
      'FL_UNDECLARED_CONTROL',
      `control ${control} is not one of the scenario's controls (${declared.join(', ') || 'none'})`,
    );
  }
}

/**
 * The scenario's own declaration of the control a run carries (`ctx.control`), matched by name,
 * with its change typed as the scenario declared it; undefined when the run is the scenario
 * itself. This is how a harness reads a control's change without a cast: the runner hands every
 * scenario `ScenarioControl<unknown>`, and the scenario knows its own `controls`.
 *
 * @throws UndeclaredControlError when `control` is not among `declared`.
 */
export function declaredControl<Change>(
  declared: readonly ScenarioControl<Change>[],
  control: Pick<ScenarioControl, 'name'> | undefined,
): ScenarioControl<Change> | undefined {
  if (!control) return undefined;
  const own = declared.find((c) => c.name === control.name);
  if (!own)
    throw new UndeclaredControlError(
      control.name,
      declared.map((c) => c.name),
    );
  return own;
}

/**
 * Whether a control's failed run failed for its claim: `reason` names one of the checks it
 * `misses` (or the control names none).
 */
export function failedForItsClaim(
  control: Pick<ScenarioControl, 'misses'>,
  reason: string | undefined,
): boolean {
  const misses = control.misses;
  if (!misses || misses.length === 0) return true;
  return misses.some((m) => reason?.includes(m) ?? false);
}
