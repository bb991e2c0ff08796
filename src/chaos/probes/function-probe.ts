import { z } from 'zod';
import type { Probe, ProbeContext } from './probe.js';

export type ProbeFunction = (ctx: ProbeContext) => unknown;

/** TypeScript only: any function; its (awaited) return value is the probe's value. */
export const functionProbeSpecSchema = z.strictObject({
  type: z.literal('function'),
  fn: z.custom<ProbeFunction>((v) => typeof v === 'function', {
    message: 'expected a function (function probes exist only in the TypeScript API)',
  }),
});
export type FunctionProbeSpec = z.output<typeof functionProbeSpecSchema>;

export class FunctionProbe implements Probe {
  readonly type = 'function';

  constructor(readonly spec: FunctionProbeSpec) {}

  async run(ctx: ProbeContext): Promise<unknown> {
    return await this.spec.fn(ctx);
  }
}
