import { FaultlineError } from '../../common/errors.js';

/** A scenario's measured hypothesis was not met; the message says what was measured and the bound. */
export class HypothesisMissError extends FaultlineError {
  constructor(message: string) {
    super('FL_HYPOTHESIS_MISSED', message);
  }
}

/**
 * Throws a HypothesisMissError unless `value` lies in [min, max]; returns it otherwise, so a
 * measurement can be checked and recorded in one expression.
 */
export function expectWithin(
  what: string,
  value: number,
  [min, max]: readonly [number, number],
  unit = '',
  detail?: () => string,
): number {
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    const bound =
      min === Number.NEGATIVE_INFINITY || min === 0 ? `≤ ${max}${unit}` : `in [${min}, ${max}]${unit}`;
    const more = detail ? ` (${detail()})` : '';
    throw new HypothesisMissError(
      `${what} was ${Math.round(value * 1000) / 1000}${unit}, expected ${bound}${more}`,
    );
  }
  return value;
}

/**
 * Checks each `[what, value, [min, max], unit?, detail?]` as `expectWithin` does, then throws one
 * HypothesisMissError naming every miss, `; `-separated (nothing when all hold): a negative control
 * then shows the miss of its own claim, whatever else it breaks.
 */
export function expectAllWithin(checks: readonly Parameters<typeof expectWithin>[]): void {
  const misses: string[] = [];
  for (const check of checks) {
    try {
      expectWithin(...check);
    } catch (err) {
      if (!(err instanceof HypothesisMissError)) throw err;
      misses.push(err.message);
    }
  }
  if (misses.length > 0) throw new HypothesisMissError(misses.join('; '));
}
