import { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import type { LoadRun } from '../load/load.js';

/**
 * The bridge to the load generator: how the `load:` section is validated and started. Kept in
 * one file so the runner does not care where the load comes from.
 */
export const loadSpecFieldSchema = z.record(z.string(), z.unknown());
export type LoadSpecField = z.output<typeof loadSpecFieldSchema>;
export type LoadSpecFieldInput = z.input<typeof loadSpecFieldSchema>;

export interface LoadStartOptions {
  /** performance.now() of the run's time origin; the load's offsets are relative to it. */
  originMs: number;
  signal: AbortSignal;
  seed: number;
}

/** A function that starts the load; lets the TypeScript API bring its own generator. */
export type LoadFactory = (opts: LoadStartOptions) => LoadRun;

export function startLoadFromSpec(_spec: LoadSpecField, _opts: LoadStartOptions): LoadRun {
  throw new UsageError('the load generator is not available yet', { code: 'FL_LOAD_UNAVAILABLE' });
}
