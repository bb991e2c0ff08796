import { errorText } from '../../common/text.js';
import type { Fault } from '../faults/fault.js';
import { createFault, type FaultDeps, isFault } from '../faults/index.js';
import { createProbe, HttpProbe, isProbe, type Probe, type Tolerance } from '../probes/index.js';
import type { ExperimentIssue } from './experiment-file-error.js';
import { ExperimentValidationError, formatPath } from './experiment-file-error.js';
import type { ActionFunction, Activity, Experiment } from './experiment-schema.js';

interface Pauses {
  before_ms: number;
  after_ms: number;
}

export type ResolvedActivity =
  | {
      type: 'action';
      name: string;
      background: boolean;
      pauses: Pauses;
      fault?: Fault;
      http?: Probe;
      run?: ActionFunction;
      duration_ms?: number;
      ttl_ms?: number;
    }
  | { type: 'probe'; name: string; background: boolean; pauses: Pauses; probe: Probe; tolerance?: Tolerance }
  | { type: 'pause'; name: string; background: false; pauses: Pauses; duration_ms: number };

export interface ResolvedProbeEntry {
  name: string;
  probe: Probe;
  tolerance: Tolerance;
}

export interface ResolvedExperiment {
  hypothesis: ResolvedProbeEntry[];
  method: ResolvedActivity[];
  rollbacks: ResolvedActivity[];
  stopProbes: (ResolvedProbeEntry & { consecutive: number })[];
}

/**
 * Builds every fault and probe before anything runs, so a bad spec (an unknown fault kind, a
 * missing proxy) fails the run up front, named by its path, with nothing injected.
 */
export function resolveExperiment(
  experiment: Experiment,
  deps: FaultDeps,
  source: string,
): ResolvedExperiment {
  const issues: ExperimentIssue[] = [];
  const attempt = <T>(path: PropertyKey[], build: () => T): T | undefined => {
    try {
      return build();
    } catch (err) {
      issues.push({ path: formatPath(path), message: errorText(err) });
      return undefined;
    }
  };
  const probeOf = (p: unknown, path: PropertyKey[]): Probe | undefined =>
    isProbe(p) ? p : attempt(path, () => createProbe(p as Parameters<typeof createProbe>[0]));
  const activityOf = (a: Activity, path: PropertyKey[]): ResolvedActivity | undefined => {
    if (a.type === 'pause') {
      return { ...a, background: false, pauses: { before_ms: 0, after_ms: 0 } };
    }
    const pauses = a.pauses ?? { before_ms: 0, after_ms: 0 };
    if (a.type === 'probe') {
      const probe = probeOf(a.probe, [...path, 'probe']);
      return probe && { ...a, pauses, probe };
    }
    const fault =
      a.fault === undefined
        ? undefined
        : isFault(a.fault)
          ? a.fault
          : attempt([...path, 'fault'], () => createFault(a.fault, deps));
    if (a.fault !== undefined && fault === undefined) return undefined;
    const http =
      a.http === undefined ? undefined : new HttpProbe({ ...a.http, type: 'http', value: 'response' });
    return {
      type: 'action',
      name: a.name,
      background: a.background,
      pauses,
      ...(fault ? { fault } : {}),
      ...(http ? { http } : {}),
      ...(a.run ? { run: a.run } : {}),
      ...(a.duration_ms === undefined ? {} : { duration_ms: a.duration_ms }),
      ...(a.ttl_ms === undefined ? {} : { ttl_ms: a.ttl_ms }),
    };
  };
  const resolved: ResolvedExperiment = {
    hypothesis: (experiment.steady_state_hypothesis?.probes ?? []).flatMap((p, i) => {
      const probe = probeOf(p.probe, ['steady_state_hypothesis', 'probes', i, 'probe']);
      return probe ? [{ name: p.name, probe, tolerance: p.tolerance }] : [];
    }),
    method: experiment.method.flatMap((a, i) => activityOf(a, ['method', i]) ?? []),
    rollbacks: experiment.rollbacks.flatMap((a, i) => activityOf(a, ['rollbacks', i]) ?? []),
    stopProbes: experiment.stop_conditions.probes.flatMap((p, i) => {
      const probe = probeOf(p.probe, ['stop_conditions', 'probes', i, 'probe']);
      return probe ? [{ name: p.name, probe, tolerance: p.tolerance, consecutive: p.consecutive }] : [];
    }),
  };
  if (issues.length > 0) throw new ExperimentValidationError(source, issues);
  return resolved;
}
