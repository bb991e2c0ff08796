import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import type { Fault } from '../faults/fault.js';
import { faultSpecSchema, isFault } from '../faults/index.js';
import { type LoadFactory, loadSpecSchema } from '../load/start-load.js';
import {
  httpProbeSpecSchema,
  isProbe,
  type Probe,
  type ProbeContext,
  probeSpecSchema,
  toleranceSchema,
} from '../probes/index.js';
import { instanceOrSpec } from './instance-or-spec.js';

const ms = () => z.number().int().nonnegative();
const name = () => z.string().min(1);

/** A probe: a spec (`{type: http, ...}`) or, from TypeScript, any object implementing `Probe`. */
export const probeFieldSchema = instanceOrSpec<Probe, typeof probeSpecSchema>(isProbe, probeSpecSchema);
/** A fault: a spec (`{kind: toxic, ...}`) or, from TypeScript, any object implementing `Fault`. */
export const faultFieldSchema = instanceOrSpec<Fault, typeof faultSpecSchema>(isFault, faultSpecSchema);

/** Waits around an activity. */
export const pausesSchema = z.strictObject({
  /** @default 0 */
  before_ms: ms().default(0),
  /** @default 0 */
  after_ms: ms().default(0),
});

/** What a TypeScript `run` action gets: the probe context, its own random stream, and a metrics sink. */
export interface ActionContext extends ProbeContext {
  /** This action's own stream, forked from the run's seed by the action's name. */
  readonly rng: SeededRandom;
  /** Records a scenario-specific number in the journal's `metrics.custom`. */
  setMetric(name: string, value: number): void;
}
export type ActionFunction = (ctx: ActionContext) => unknown;

/**
 * An action: exactly one of `fault` (inject a fault; it stays until `duration_ms` passes, its
 * `ttl_ms` expires or the method ends), `http` (one request, e.g. to reset something), or, from
 * TypeScript, `run` (any function).
 */
export const actionSchema = z
  .strictObject({
    type: z.literal('action'),
    name: name(),
    fault: faultFieldSchema.optional(),
    http: httpProbeSpecSchema.omit({ type: true, value: true }).optional(),
    run: z
      .custom<ActionFunction>((v) => typeof v === 'function', {
        message: 'expected a function (TypeScript API only)',
      })
      .optional(),
    /** Fault only: hold it this long, then revert it (reason `completed`). */
    duration_ms: ms().optional(),
    /** Fault only: the safety controller reverts it this long after injection, whatever happens. @default the experiment's time limit */
    ttl_ms: z.number().int().positive().optional(),
    /** Run alongside the following activities instead of before them. @default false */
    background: z.boolean().default(false),
    pauses: pausesSchema.optional(),
  })
  .refine((a) => [a.fault, a.http, a.run].filter((x) => x !== undefined).length === 1, {
    message: 'expected exactly one of fault, http or run',
  });

/** A probe in the method or rollbacks: its value goes to the journal; with a tolerance, a miss fails the activity. */
export const probeActivitySchema = z.strictObject({
  type: z.literal('probe'),
  name: name(),
  probe: probeFieldSchema,
  tolerance: toleranceSchema.optional(),
  /** @default false */
  background: z.boolean().default(false),
  pauses: pausesSchema.optional(),
});

export const pauseActivitySchema = z.strictObject({
  type: z.literal('pause'),
  /** @default "pause" */
  name: name().default('pause'),
  duration_ms: ms(),
});

export const activitySchema = z.discriminatedUnion('type', [
  actionSchema,
  probeActivitySchema,
  pauseActivitySchema,
]);

export const hypothesisProbeSchema = z.strictObject({
  name: name(),
  probe: probeFieldSchema,
  tolerance: toleranceSchema,
});

export const steadyStateHypothesisSchema = z.strictObject({
  /** @default "steady state" */
  title: z.string().default('steady state'),
  probes: z.array(hypothesisProbeSchema).min(1),
  /**
   * How often to check the hypothesis while the method runs; 0 turns the `during` checks off.
   * @default 1000
   */
  frequency_ms: ms().default(1000),
  /** Stop the method at the first `during` check that is not met. @default false */
  fail_fast: z.boolean().default(false),
});

export const stopConditionsSchema = z.strictObject({
  /** How often guards are checked. @default 1000 */
  interval_ms: z.number().int().positive().default(1000),
  /** Host CPU guard, or false to turn it off. @default {threshold_percent: 95, sustain_ms: 10000} */
  host_cpu: z
    .union([
      z.literal(false),
      z.strictObject({
        /** @default 95 */
        threshold_percent: z.number().min(1).max(100).default(95),
        /** @default 10000 */
        sustain_ms: ms().default(10_000),
      }),
    ])
    .default({ threshold_percent: 95, sustain_ms: 10_000 }),
  /** Available-memory guard, or false to turn it off. @default {min_percent: 10} */
  available_memory: z
    .union([
      z.literal(false),
      z.strictObject({
        /** @default 10 */
        min_percent: z.number().min(0).max(100).default(10),
      }),
    ])
    .default({ min_percent: 10 }),
  /** User probes: the run aborts when one misses its tolerance `consecutive` times in a row. @default [] */
  probes: z
    .array(
      z.strictObject({
        name: name(),
        probe: probeFieldSchema,
        tolerance: toleranceSchema,
        /** @default 1 */
        consecutive: z.number().int().positive().default(1),
      }),
    )
    .default([]),
});

/** When the load's error rate and p99 count as back to normal (for time to detect / recover). */
export const recoveryToleranceSchema = z.strictObject({
  /** @default 0.01 */
  error_rate: z.number().min(0).max(1).default(0.01),
  /** @default 1000 */
  p99_ms: z.number().positive().default(1000),
  /** Consecutive good 100 ms buckets. @default 5 */
  stable_buckets: z.number().int().positive().default(5),
});

/** A process to watch: by pid, or by the name it is registered under (safety controller or supervisor). */
export const targetSchema = z.strictObject({
  name: name(),
  /** @default the pid registered under `name`, looked up at each sample (follows restarts) */
  pid: z.number().int().positive().optional(),
  /** A URL answering JSON with `event_loop_lag_ms` (a number or `{max}`); without it lag is null. */
  stats_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
});

/**
 * An experiment, after Chaos Toolkit: verify a steady state, break something, watch the
 * hypothesis, roll back. The same schema validates YAML/JSON files and TypeScript objects.
 */
export const experimentSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  category: z.string().optional(),
  /** @default [] */
  tags: z.array(z.string()).default([]),
  /** Used when the run gets no seed from its options. */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /** Asked-for time limit; never above CHAOS_MAX_DURATION. */
  max_duration_ms: z.number().int().positive().optional(),
  steady_state_hypothesis: steadyStateHypothesisSchema.optional(),
  method: z.array(activitySchema).min(1),
  /** Always run, after success, failure, timeout and emergency stop. @default [] */
  rollbacks: z.array(activitySchema).default([]),
  /** Load for the whole run (the load generator's spec), or from TypeScript a factory. */
  load: instanceOrSpec<LoadFactory, typeof loadSpecSchema>(
    (v): v is LoadFactory => typeof v === 'function',
    loadSpecSchema,
  ).optional(),
  recovery_tolerance: recoveryToleranceSchema.optional(),
  /**
   * Processes whose CPU, memory and event-loop lag go to the journal's `metrics.targets`,
   * sampled every 250 ms for the whole run. @default []
   */
  targets: z.array(targetSchema).default([]),
  /** @default host_cpu and available_memory guards on */
  stop_conditions: stopConditionsSchema.default({
    interval_ms: 1000,
    host_cpu: { threshold_percent: 95, sustain_ms: 10_000 },
    available_memory: { min_percent: 10 },
    probes: [],
  }),
});

export type Experiment = z.output<typeof experimentSchema>;
/** What you write: defaults may be left out. */
export type ExperimentInput = z.input<typeof experimentSchema>;
export type Activity = z.output<typeof activitySchema>;
export type ActionActivity = z.output<typeof actionSchema>;
export type ProbeActivity = z.output<typeof probeActivitySchema>;
export type PauseActivity = z.output<typeof pauseActivitySchema>;
export type HypothesisProbe = z.output<typeof hypothesisProbeSchema>;
export type SteadyStateHypothesis = z.output<typeof steadyStateHypothesisSchema>;
