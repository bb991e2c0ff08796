/**
 * What a call produced: a value or an error. Policies that judge results (a breaker deciding what
 * counts as a failure, a retry deciding what to retry) see one of these, so a 503 *response* can be
 * treated like a thrown error without the callee having to throw.
 */
export type Outcome<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** The default judgement: a thrown error is a failure, any value is a success. */
export const errorsAreFailures = (outcome: Outcome): boolean => !outcome.ok;
