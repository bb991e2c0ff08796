import { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import type { Fault } from '../faults/fault.js';

/**
 * The bridge to the fault registry: how the `fault:` field of an action is validated and turned
 * into a Fault. Kept in one file so the runner does not care where faults come from.
 */
export const faultSpecFieldSchema = z.looseObject({
  /** The fault kind, e.g. `toxic`, `process.kill`. */
  kind: z.string().min(1),
});
export type FaultSpecField = z.output<typeof faultSpecFieldSchema>;
export type FaultSpecFieldInput = z.input<typeof faultSpecFieldSchema>;

/** What building a fault from a spec may need (processes, proxies, a logger). */
export type FaultBuildDeps = Record<string, unknown>;

export function buildFault(spec: FaultSpecField, _deps: FaultBuildDeps): Fault {
  throw new UsageError(`unknown fault kind '${spec.kind}'`, { code: 'FL_FAULT_UNKNOWN' });
}

export function isFault(value: unknown): value is Fault {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Fault).inject === 'function' &&
    typeof (value as Fault).revert === 'function' &&
    typeof (value as Fault).kind === 'string'
  );
}
