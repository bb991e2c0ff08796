import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { z } from 'zod';

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const rangeSchema = z
  .tuple([z.number(), z.number()])
  .refine(([min, max]) => min <= max, { message: 'expected [min, max] with min <= max' });

/** The value must equal `value` (deep equality for objects and arrays). */
export const exactToleranceSchema = z.strictObject({ type: z.literal('exact'), value: z.unknown() });
/** A number within [min, max], inclusive. */
export const rangeToleranceSchema = z.strictObject({ type: z.literal('range'), range: rangeSchema });
/** The value must equal one of `values`. */
export const listToleranceSchema = z.strictObject({ type: z.literal('list'), values: z.array(z.unknown()) });
/** The value (stringified if not a string) must match `pattern`. */
export const regexToleranceSchema = z.strictObject({
  type: z.literal('regex'),
  pattern: z.string().refine(isValidRegex, { message: 'expected a valid regular expression' }),
  /** @example "i" */
  flags: z.string().optional(),
});
/**
 * JSONPath (jsonpath-plus syntax) into the value (a JSON string is parsed first). Met when the
 * path matches something and: every match equals `expect`, lies in `range`, and there are
 * exactly `count` matches, for whichever of those are given.
 */
export const jsonPathToleranceSchema = z.strictObject({
  type: z.literal('jsonpath'),
  /** @example "$.status" */
  path: z.string().min(1),
  expect: z.unknown().optional(),
  range: rangeSchema.optional(),
  count: z.number().int().nonnegative().optional(),
});

export type ToleranceFunction = (value: unknown) => boolean | Promise<boolean>;

/**
 * A tolerance, as in Chaos Toolkit: a bare scalar means "exactly this", a bare array "one of
 * these"; objects name their `type`. In TypeScript a function `(value) => boolean` also works.
 */
export const toleranceSchema = z.union(
  [
    scalarSchema,
    z.array(z.unknown()),
    z.discriminatedUnion('type', [
      exactToleranceSchema,
      rangeToleranceSchema,
      listToleranceSchema,
      regexToleranceSchema,
      jsonPathToleranceSchema,
    ]),
    z.custom<ToleranceFunction>((v) => typeof v === 'function', { message: 'expected a function' }),
  ],
  {
    error: 'expected a tolerance: a value, a list of values, or {type: exact|range|list|regex|jsonpath, ...}',
  },
);
export type Tolerance = z.infer<typeof toleranceSchema>;

/** Whether `value` meets `tolerance`. */
export async function meetsTolerance(tolerance: Tolerance, value: unknown): Promise<boolean> {
  if (typeof tolerance === 'function') return (await tolerance(value)) === true;
  if (tolerance === null || typeof tolerance !== 'object') return isDeepStrictEqual(value, tolerance);
  if (Array.isArray(tolerance)) return tolerance.some((t) => isDeepStrictEqual(value, t));
  switch (tolerance.type) {
    case 'exact':
      return isDeepStrictEqual(value, tolerance.value);
    case 'range':
      return inRange(value, tolerance.range);
    case 'list':
      return tolerance.values.some((t) => isDeepStrictEqual(value, t));
    case 'regex':
      return new RegExp(tolerance.pattern, tolerance.flags).test(
        typeof value === 'string' ? value : JSON.stringify(value),
      );
    case 'jsonpath':
      return jsonPathMet(tolerance, value);
  }
}

function inRange(value: unknown, [min, max]: readonly [number, number]): boolean {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= min && n <= max;
}

function jsonPathMet(t: z.infer<typeof jsonPathToleranceSchema>, value: unknown): boolean {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch {
      return false;
    }
  }
  if (json === null || typeof json !== 'object') return false;
  const matches = JSONPath({ path: t.path, json, wrap: true }) as unknown[];
  if (t.count !== undefined && matches.length !== t.count) return false;
  if (t.count === undefined && matches.length === 0) return false;
  if (t.expect !== undefined && !matches.every((m) => isDeepStrictEqual(m, t.expect))) return false;
  const range = t.range;
  if (range !== undefined && !matches.every((m) => inRange(m, range))) return false;
  return true;
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
