import type { z } from 'zod';
import type { LoadRun } from '../load/load.js';
import { loadSpecSchema, type StartLoadOptions, startLoad } from '../load/start-load.js';

/**
 * The bridge to the load generator (src/chaos/load): how the `load:` section is validated and
 * started. Kept in one file so the runner does not care where the load comes from.
 */
export const loadSpecFieldSchema = loadSpecSchema;
export type LoadSpecField = z.output<typeof loadSpecFieldSchema>;
export type LoadSpecFieldInput = z.input<typeof loadSpecFieldSchema>;

/** What starting the load gets: its random stream, the run's abort signal and time origin. */
export type LoadStartOptions = StartLoadOptions;

/** A function that starts the load; lets the TypeScript API bring its own generator. */
export type LoadFactory = (opts: LoadStartOptions) => LoadRun;

export function startLoadFromSpec(spec: LoadSpecField, opts: LoadStartOptions): LoadRun {
  return startLoad(spec, opts);
}
