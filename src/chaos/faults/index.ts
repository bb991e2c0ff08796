import { z } from 'zod';
import { ConnectionsFault, connectionsFaultSchema } from './connections.js';
import { CpuFault, cpuFaultSchema } from './cpu.js';
import { FaultConfigError } from './errors.js';
import type { Fault } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { LatencyRampFault, latencyRampFaultSchema } from './latency-ramp.js';
import { MemoryFault, memoryFaultSchema } from './memory.js';
import { ProcessFreezeFault, processFreezeFaultSchema } from './process-freeze.js';
import { ProcessKillFault, processKillFaultSchema } from './process-kill.js';
import { ProcessRestartFault, processRestartFaultSchema } from './process-restart.js';
import { ProcessTermFault, processTermFaultSchema } from './process-term.js';
import { RedisCorruptFault, redisCorruptFaultSchema } from './redis-corrupt.js';
import { ToxicFault, toxicFaultSchema } from './toxic.js';

/**
 * The explicit registry of fault kinds: wire name → schema and constructor. Adding a kind
 * means one new file and one line here.
 */
export const faultRegistry = {
  toxic: entry(toxicFaultSchema, (s, d) => new ToxicFault(s, d)),
  'process.kill': entry(processKillFaultSchema, (s, d) => new ProcessKillFault(s, d)),
  'process.term': entry(processTermFaultSchema, (s, d) => new ProcessTermFault(s, d)),
  'process.freeze': entry(processFreezeFaultSchema, (s, d) => new ProcessFreezeFault(s, d)),
  'process.restart': entry(processRestartFaultSchema, (s, d) => new ProcessRestartFault(s, d)),
  cpu: entry(cpuFaultSchema, (s, d) => new CpuFault(s, d)),
  memory: entry(memoryFaultSchema, (s, d) => new MemoryFault(s, d)),
  connections: entry(connectionsFaultSchema, (s) => new ConnectionsFault(s)),
  latency_ramp: entry(latencyRampFaultSchema, (s, d) => new LatencyRampFault(s, d)),
  'redis.corrupt': entry(redisCorruptFaultSchema, (s) => new RedisCorruptFault(s)),
};

/** Pairs a kind's schema with its constructor, type-checked against each other. */
function entry<S extends z.ZodType>(schema: S, create: (spec: z.output<S>, deps: FaultDeps) => Fault) {
  return { schema, create };
}

export type FaultKind = keyof typeof faultRegistry;
export const faultKinds = Object.keys(faultRegistry) as FaultKind[];

/** A registered kind's spec schema. */
type FaultSpecSchemaOf = (typeof faultRegistry)[FaultKind]['schema'];

/**
 * Every fault spec, discriminated on `kind`: the registry's schemas, in its order. Parse
 * experiment files with this.
 */
export const faultSpecSchema = z.discriminatedUnion(
  'kind',
  Object.values(faultRegistry).map((e) => e.schema) as [FaultSpecSchemaOf, ...FaultSpecSchemaOf[]],
);
export type FaultSpec = z.output<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

/**
 * Build a fault from a spec (parsed here, so raw YAML/JSON objects are fine). Bad specs throw
 * FaultConfigError naming the field; unknown targets FaultTargetError; out-of-bounds Redis
 * patterns FaultRefusedError — all before anything is injected.
 */
export function createFault(spec: FaultSpecInput | unknown, deps: FaultDeps = {}): Fault {
  const parsed = faultSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new FaultConfigError(`invalid fault spec: ${where}${issue?.message ?? 'invalid'}`, {
      cause: parsed.error,
    });
  }
  const entry = faultRegistry[parsed.data.kind] as {
    create: (spec: FaultSpec, deps: FaultDeps) => Fault;
  };
  return entry.create(parsed.data, deps);
}

export { CgroupV1Group, cgroupV1Unavailable, currentCgroupV1 } from './cgroup-v1.js';
export { ConnectionsFault, type ConnectionsFaultSpec, connectionsFaultSchema } from './connections.js';
export { CpuFault, type CpuFaultSpec, cpuFaultSchema } from './cpu.js';
export { CpuBurner } from './cpu-burner.js';
export {
  FaultConfigError,
  FaultRefusedError,
  FaultTargetError,
  FaultUnsupportedError,
  ToxiproxyApiError,
} from './errors.js';
export { type Fault, type FaultContext, isFault } from './fault.js';
export { type FaultDeps, resolveToxicTarget } from './fault-deps.js';
export { LatencyRampFault, type LatencyRampFaultSpec, latencyRampFaultSchema } from './latency-ramp.js';
export { MemoryFault, type MemoryFaultSpec, memoryFaultSchema } from './memory.js';
export { MemoryHog } from './memory-hog.js';
export {
  ProcessFreezeFault,
  type ProcessFreezeFaultSpec,
  processFreezeFaultSchema,
} from './process-freeze.js';
export { ProcessKillFault, type ProcessKillFaultSpec, processKillFaultSchema } from './process-kill.js';
export {
  ProcessRestartFault,
  type ProcessRestartFaultSpec,
  processRestartFaultSchema,
} from './process-restart.js';
export { ProcessTargets, processTargetFields } from './process-targets.js';
export { ProcessTermFault, type ProcessTermFaultSpec, processTermFaultSchema } from './process-term.js';
export { RedisCorruptFault, type RedisCorruptFaultSpec, redisCorruptFaultSchema } from './redis-corrupt.js';
export { ToxicFault, type ToxicFaultSpec, toxicFaultSchema } from './toxic.js';
export { isNotFound, type ToxicDefinition, type ToxicPatch, type ToxicTarget } from './toxic-target.js';
export { ToxiproxyHttpTarget } from './toxiproxy-http-target.js';
