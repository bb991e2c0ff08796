import { z } from 'zod';
import { UsageError } from '../../common/errors.js';
import type { Probe, ProbeContext } from './probe.js';

export const loadProbeSpecSchema = z.strictObject({
  type: z.literal('load'),
  /** Which figure of the experiment's running load to return. */
  metric: z.enum(['error_rate', 'p99_ms', 'rps', 'requests', 'errors']),
  /**
   * The sliding window, in ms (sampled every 100 ms).
   * @default 1000
   */
  window_ms: z.number().int().min(100).default(1000),
});
export type LoadProbeSpec = z.output<typeof loadProbeSpecSchema>;

/** A figure of the experiment's own load over a recent window. Fails when there is no load. */
export class LoadProbe implements Probe {
  readonly type = 'load';

  constructor(readonly spec: LoadProbeSpec) {}

  async run(ctx: ProbeContext): Promise<unknown> {
    if (ctx.load === null) {
      throw new UsageError('a load probe needs the experiment to have a `load` section', {
        code: 'FL_PROBE_NO_LOAD',
      });
    }
    return ctx.load.stats(this.spec.window_ms)[this.spec.metric];
  }
}
