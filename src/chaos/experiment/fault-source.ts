import type { z } from 'zod';
import type { Fault } from '../faults/fault.js';
import { createFault, type FaultDeps, faultSpecSchema } from '../faults/index.js';

/**
 * The bridge to the fault registry (src/chaos/faults): how the `fault:` field of an action is
 * validated and turned into a Fault. Kept in one file so the runner does not care where faults
 * come from.
 */
export const faultSpecFieldSchema = faultSpecSchema;
export type FaultSpecField = z.output<typeof faultSpecFieldSchema>;
export type FaultSpecFieldInput = z.input<typeof faultSpecFieldSchema>;

/** What building a fault from a spec may need: the process supervisor, the in-process proxy, a logger. */
export type FaultBuildDeps = FaultDeps;

export function buildFault(spec: FaultSpecField, deps: FaultBuildDeps): Fault {
  return createFault(spec, deps);
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
