import { z } from 'zod';

/**
 * An integer attribute, as Toxiproxy's are (Go int64): negative or fractional values are
 * rejected with a message naming the rule. A missing value takes `fallback`; with no fallback
 * the attribute is required.
 */
export function integerAttribute(fallback: number): z.ZodDefault<z.ZodNumber>;
export function integerAttribute(fallback: undefined, min: number): z.ZodNumber;
export function integerAttribute(
  fallback: number | undefined,
  min = 0,
): z.ZodNumber | z.ZodDefault<z.ZodNumber> {
  const message = min === 0 ? 'must be a non-negative integer' : `must be an integer >= ${min}`;
  const schema = z.number({ error: message }).int({ error: message }).min(min, { error: message });
  return fallback === undefined ? schema : schema.default(fallback);
}
