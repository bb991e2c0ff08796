import { z } from 'zod';
import { FunctionProbe, functionProbeSpecSchema } from './function-probe.js';
import { HttpProbe, httpProbeSpecSchema } from './http-probe.js';
import { LoadProbe, loadProbeSpecSchema } from './load-probe.js';
import type { Probe } from './probe.js';
import { ProcessProbe, processProbeSpecSchema } from './process-probe.js';
import { TcpProbe, tcpProbeSpecSchema } from './tcp-probe.js';

export * from './function-probe.js';
export * from './http-probe.js';
export * from './load-probe.js';
export * from './load-sampler.js';
export * from './probe.js';
export * from './process-probe.js';
export * from './tcp-probe.js';
export * from './tolerance.js';

/** Every probe kind, discriminated on `type` (`function` only from TypeScript). */
export const probeSpecSchema = z.discriminatedUnion('type', [
  httpProbeSpecSchema,
  tcpProbeSpecSchema,
  processProbeSpecSchema,
  loadProbeSpecSchema,
  functionProbeSpecSchema,
]);
export type ProbeSpec = z.output<typeof probeSpecSchema>;
export type ProbeSpecInput = z.input<typeof probeSpecSchema>;

/** The registry: one factory per wire name. */
const probeFactories: { [K in ProbeSpec['type']]: (spec: Extract<ProbeSpec, { type: K }>) => Probe } = {
  http: (spec) => new HttpProbe(spec),
  tcp: (spec) => new TcpProbe(spec),
  process: (spec) => new ProcessProbe(spec),
  load: (spec) => new LoadProbe(spec),
  function: (spec) => new FunctionProbe(spec),
};

export function createProbe(spec: ProbeSpec): Probe {
  const factory = probeFactories[spec.type] as (s: ProbeSpec) => Probe;
  return factory(spec);
}
