/**
 * A negative control of a scenario: the same run with one claimed capability removed. It must
 * make the scenario fail; a control that passes means the claim is not proven (a hypothesis that
 * still holds without the capability proves nothing about it). `change` is data the scenario's
 * harness applies (for the reference stack, a `StackChange` of src/suite/control.ts: gateway
 * config rewrite, service environment), never a code patch.
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
}
