import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { delay, raceSignal, settlesWithin } from '../../common/async.js';
import { freshSeed, SeededRandom } from '../../common/rng.js';
import { errorText } from '../../common/text.js';
import type { FaultDeps } from '../faults/index.js';
import type { LoadRun, RecoveryTolerance } from '../load/load.js';
import { startLoad } from '../load/start-load.js';
import { TargetMetricsSampler } from '../load/target-sampler.js';
import { LoadSampler, type ProbeContext, type ProcessLookup } from '../probes/index.js';
import {
  AvailableMemoryCondition,
  type EmergencyHandlerOptions,
  HostCpuCondition,
  installEmergencyHandlers,
  ProbeCondition,
  SafetyController,
  type StopCondition,
  StopConditionMonitor,
} from '../safety/index.js';
import { checkHypothesis } from './check-hypothesis.js';
import { collectMetrics } from './collect-metrics.js';
import type { Experiment, ExperimentInput } from './experiment-schema.js';
import { FaultTracker } from './fault-tracker.js';
import { type ActivityRecord, type HypothesisCheck, type Journal, journalSchema } from './journal.js';
import { defineExperiment } from './parse-experiment.js';
import { type ResolvedActivity, resolveExperiment } from './resolve-experiment.js';
import { type ActivityEnv, runActivity } from './run-activity.js';
import { RunClock } from './run-clock.js';
import { interruptionOf, RunInterruption } from './run-interruption.js';
import { verdict } from './verdict.js';

export interface RunExperimentOptions {
  /** Seed of every random choice; else the experiment's `seed`, else a fresh one. Printed in the journal. */
  seed?: number;
  /** @default a new SafetyController reading process.env */
  safety?: SafetyController;
  /** Aborting it interrupts the run (status `interrupted`); rollbacks still run. */
  signal?: AbortSignal;
  logger?: Logger;
  /** performance.now() value that is t = 0 for every `*_ms` offset. @default the call's start */
  originMs?: number;
  /** What building faults from specs needs (the process supervisor, the in-process proxy). */
  faultDeps?: FaultDeps;
  /** Where process probes find pids by name. @default the safety controller's registrations, then `faultDeps.processes` */
  processes?: ProcessLookup;
  /** Name of the experiment's origin in error messages (a file path). @default "experiment" */
  source?: string;
  /**
   * Install the emergency handlers (SIGINT, SIGTERM, uncaught errors → revert all, exit 130)
   * for the duration of the run. @default false (a library does not take over the process)
   */
  handleSignals?: boolean | EmergencyHandlerOptions;
  /** Time allowed for all rollbacks after a normal end; after an interruption it is 1.5 s. @default 30000 */
  rollbackTimeoutMs?: number;
  /** Extra guards (TypeScript). */
  stopConditions?: StopCondition[];
}

/** Traces for tools that watch without a logger (`faultline:experiment:*`). */
const startChannel = diagnostics.channel('faultline:experiment:start');
const endChannel = diagnostics.channel('faultline:experiment:end');

const DEFAULT_RECOVERY: RecoveryTolerance = { error_rate: 0.01, p99_ms: 1000, stable_buckets: 5 };
const INTERRUPTED_ROLLBACK_MS = 1500;

/**
 * Runs one experiment and returns its journal: safety checks, load, the hypothesis before,
 * the method (with the hypothesis checked during it), the hypothesis after, then rollbacks,
 * which always run. Throws only when it refuses to start (SafetyRefusedError, a validation
 * error); everything that goes wrong once started is in the journal.
 */
export async function runExperiment(
  input: ExperimentInput | Experiment,
  options: RunExperimentOptions = {},
): Promise<Journal> {
  const source = options.source ?? 'experiment';
  const experiment = defineExperiment(input as ExperimentInput, source);
  const safety = options.safety ?? new SafetyController(options.logger ? { logger: options.logger } : {});
  safety.assertSafe();
  const resolved = resolveExperiment(experiment, options.faultDeps ?? {}, source);
  const budget = safety.beginExperiment(experiment.title, experiment.max_duration_ms);
  const uninstall =
    options.handleSignals === undefined || options.handleSignals === false
      ? undefined
      : installEmergencyHandlers(safety, options.handleSignals === true ? {} : options.handleSignals);
  const run = new ExperimentRun(experiment, resolved, safety, budget.limitMs, options);
  const unlinks = [
    link(options.signal, (r) =>
      run.stop(
        new RunInterruption('interrupted', `aborted by the caller: ${reasonText(r)}`, 'FL_INTERRUPTED'),
      ),
    ),
    link(safety.signal, (r) =>
      run.stop(new RunInterruption('interrupted', reasonText(r), 'FL_EMERGENCY_STOP')),
    ),
    link(budget.signal, (r) => run.stop(new RunInterruption('aborted', reasonText(r), 'FL_SAFETY_TIMEOUT'))),
  ];
  const journal = run.execute();
  // On emergency stop, the process waits (briefly) for this run's rollbacks and journal.
  const finalizer = safety.addFinalizer(() => journal.then(() => undefined));
  try {
    return await journal;
  } finally {
    finalizer.dispose();
    budget.end();
    for (const u of unlinks) u();
    uninstall?.();
  }
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** Calls `onAbort` once when `signal` aborts (now, if it already has). Returns the unlinker. */
function link(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbort(signal.reason);
    return () => {};
  }
  const listener = (): void => onAbort(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** One run's state; `execute` is the only entry point. */
class ExperimentRun {
  private readonly abort = new AbortController();
  private readonly clock: RunClock;
  private readonly seed: number;
  private readonly rng: SeededRandom;
  private readonly faults: FaultTracker;
  private readonly logger: Logger | undefined;
  private readonly custom: Record<string, number> = {};
  private readonly processes: ProcessLookup;
  private sampler: LoadSampler | null = null;

  constructor(
    private readonly experiment: Experiment,
    private readonly resolved: ReturnType<typeof resolveExperiment>,
    private readonly safety: SafetyController,
    private readonly limitMs: number,
    private readonly options: RunExperimentOptions,
  ) {
    this.clock = new RunClock(options.originMs);
    this.seed = (options.seed ?? experiment.seed ?? freshSeed()) >>> 0;
    this.rng = new SeededRandom(this.seed);
    this.faults = new FaultTracker(safety, this.clock);
    this.logger = options.logger?.child({ component: 'experiment', experiment: experiment.title });
    const supervisor = options.faultDeps?.processes;
    // By name: what is registered with the safety controller, else the supervisor's children.
    this.processes = options.processes ?? {
      pidOf: (name) => safety.pidOf(name) ?? supervisor?.get(name)?.pid,
    };
  }

  stop(interruption: RunInterruption): void {
    if (this.abort.signal.aborted) return;
    this.logger?.warn({ status: interruption.status, reason: interruption.reason }, 'run stopped early');
    this.abort.abort(interruption);
  }

  private probeContext = (signal: AbortSignal): ProbeContext => ({
    signal,
    rng: this.rng.fork('probes'),
    load: this.sampler,
    processes: this.processes,
  });

  private activityEnv(): ActivityEnv {
    return {
      clock: this.clock,
      faults: this.faults,
      rng: this.rng,
      defaultTtlMs: this.limitMs,
      probeContext: this.probeContext,
      setMetric: (name, value) => {
        this.custom[name] = value;
      },
      ...(this.logger ? { logger: this.logger } : {}),
    };
  }

  async execute(): Promise<Journal> {
    const { experiment, resolved, clock } = this;
    this.logger?.info({ seed: this.seed }, 'experiment started');
    if (startChannel.hasSubscribers) {
      startChannel.publish({
        title: experiment.title,
        seed: this.seed,
        started_at: clock.startedAt.toISOString(),
      });
    }
    const monitor = this.startMonitor();
    const targets = this.startTargets();
    let load: LoadRun | null = null;
    let before: HypothesisCheck | null = null;
    let after: HypothesisCheck | null = null;
    const during: HypothesisCheck[] = [];
    const runRecords: ActivityRecord[] = [];
    let unexpected: string | undefined;

    try {
      load = this.startLoad();
      if (resolved.hypothesis.length > 0) {
        before = await checkHypothesis(
          'before',
          resolved.hypothesis,
          this.probeContext(this.abort.signal),
          clock,
        );
      }
      if ((before?.met ?? true) && !this.abort.signal.aborted) {
        const methodOk = await this.runMethod(runRecords, during);
        // After a failed activity the faults stay for the rollbacks; no "after" check then.
        if (methodOk && !this.abort.signal.aborted) {
          await settlesWithin(this.faults.revertAll('completed'), this.options.rollbackTimeoutMs ?? 30_000);
          if (resolved.hypothesis.length > 0) {
            after = await checkHypothesis(
              'after',
              resolved.hypothesis,
              this.probeContext(this.abort.signal),
              clock,
            );
          }
        }
      }
    } catch (err) {
      unexpected = errorText(err);
      this.logger?.error({ err: unexpected }, 'experiment failed unexpectedly');
    }

    // Rollbacks: always, whatever happened above.
    const interruption = interruptionOf(this.abort.signal);
    const rollbacks = await this.rollBack(interruption);

    await monitor.stop();
    this.sampler?.stop();
    const metrics = await collectMetrics({
      load,
      targets,
      windows: this.faults.windows(),
      tolerance: { ...DEFAULT_RECOVERY, ...experiment.recovery_tolerance },
      interrupted: interruption !== undefined,
    });
    unexpected ??= metrics.error;
    const { status, error, deviated } = verdict({
      before,
      during,
      after,
      records: runRecords,
      interruption,
      unexpected,
    });

    const ended = clock.nowMs();
    const journal: Journal = {
      schema_version: 1,
      title: experiment.title,
      ...(experiment.description === undefined ? {} : { description: experiment.description }),
      ...(experiment.category === undefined ? {} : { category: experiment.category }),
      tags: experiment.tags,
      seed: this.seed,
      status,
      deviated,
      started_at: clock.startedAt.toISOString(),
      ended_at: clock.iso(ended),
      duration_ms: ended,
      steady_states: { before, during, after },
      run: runRecords.sort((a, b) => a.start_ms - b.start_ms),
      rollbacks,
      faults: this.faults.records(),
      metrics: { load: metrics.load, targets: metrics.targets, custom: { ...this.custom } },
      ...(interruption && interruption.status !== 'failed' ? { abort_reason: interruption.reason } : {}),
      ...(error ? { error } : {}),
    };
    this.logger?.info({ status, deviated, duration_ms: ended }, 'experiment ended');
    if (endChannel.hasSubscribers)
      endChannel.publish({ title: experiment.title, status, deviated, duration_ms: ended });
    return journalSchema.parse(journal);
  }

  /** Starts the stop-condition monitor; a trip aborts the run. */
  private startMonitor(): StopConditionMonitor {
    return new StopConditionMonitor(this.stopConditions(), {
      intervalMs: this.experiment.stop_conditions.interval_ms,
      onTrip: (t) =>
        this.stop(
          new RunInterruption(
            'aborted',
            `stop condition '${t.condition}' tripped: ${t.detail}`,
            'FL_STOP_CONDITION',
          ),
        ),
      ...(this.logger ? { logger: this.logger } : {}),
    }).start();
  }

  /** Starts sampling the experiment's targets; null when it names none. */
  private startTargets(): TargetMetricsSampler | null {
    if (this.experiment.targets.length === 0) return null;
    const targets = new TargetMetricsSampler(
      this.experiment.targets.map((t) => ({
        name: t.name,
        pid: t.pid ?? (() => this.processes.pidOf(t.name)),
        ...(t.stats_url === undefined ? {} : { stats_url: t.stats_url }),
      })),
      { origin: this.clock.originMs },
    );
    targets.start();
    return targets;
  }

  /**
   * Reverts every fault still active and runs the rollbacks, all under one time limit
   * (1.5 s after an interruption, else `rollbackTimeoutMs`). After an emergency stop it first
   * lets faults being injected settle. A revert that hangs does not hang the run: the fault
   * stays unreverted in the journal. Returns the rollbacks' records.
   */
  private async rollBack(interruption: RunInterruption | undefined): Promise<ActivityRecord[]> {
    const rollbackSignal = AbortSignal.timeout(
      interruption?.status === 'interrupted'
        ? INTERRUPTED_ROLLBACK_MS
        : (this.options.rollbackTimeoutMs ?? 30_000),
    );
    if (interruption?.code === 'FL_EMERGENCY_STOP') await this.faults.settle(this.safety.emergencyBudgetMs);
    await raceSignal(this.faults.revertAll(this.safety.stopped ? 'emergency' : 'rollback'), rollbackSignal);
    const rollbacks: ActivityRecord[] = [];
    for (const activity of this.resolved.rollbacks) {
      rollbacks.push(await runActivity(activity, this.activityEnv(), rollbackSignal));
    }
    await raceSignal(this.faults.revertAll('rollback'), rollbackSignal);
    return rollbacks;
  }

  /** Runs the method; false when an activity failed. */
  private async runMethod(records: ActivityRecord[], during: HypothesisCheck[]): Promise<boolean> {
    const { resolved, experiment, clock } = this;
    const hypothesis = experiment.steady_state_hypothesis;
    const duringStop = new AbortController();
    const duringLoop = (async () => {
      if (!hypothesis || hypothesis.frequency_ms === 0 || resolved.hypothesis.length === 0) return;
      const wait = AbortSignal.any([duringStop.signal, this.abort.signal]);
      while (await delay(hypothesis.frequency_ms, wait)) {
        const check = await checkHypothesis(
          'during',
          resolved.hypothesis,
          this.probeContext(this.abort.signal),
          clock,
        );
        if (this.abort.signal.aborted) break;
        during.push(check);
        if (!check.met && hypothesis.fail_fast) {
          this.stop(
            new RunInterruption(
              'failed',
              'the steady state deviated during the method (fail_fast)',
              'FL_DEVIATED',
            ),
          );
        }
      }
    })();

    const background: Promise<void>[] = [];
    let failed = false;
    for (const activity of resolved.method) {
      if (failed || this.abort.signal.aborted) {
        records.push(this.skipped(activity));
        continue;
      }
      const running = runActivity(activity, this.activityEnv(), this.abort.signal);
      if (activity.background) {
        background.push(running.then((r) => void records.push(r)));
        continue;
      }
      const record = await running;
      records.push(record);
      if (record.status === 'failed') failed = true;
    }
    await Promise.all(background);
    duringStop.abort();
    await duringLoop;
    return !failed && !records.some((r) => r.status === 'failed');
  }

  private skipped(activity: ResolvedActivity): ActivityRecord {
    const now = this.clock.nowMs();
    return {
      name: activity.name,
      type: activity.type,
      status: 'skipped',
      background: activity.background,
      start_ms: now,
      end_ms: now,
      duration_ms: 0,
    };
  }

  private startLoad(): LoadRun | null {
    const spec = this.experiment.load;
    if (spec === undefined) return null;
    const opts = {
      origin: this.clock.originMs,
      signal: this.abort.signal,
      rng: this.rng.fork('load'),
      ...(this.logger ? { logger: this.logger } : {}),
    };
    const load = typeof spec === 'function' ? spec(opts) : startLoad(spec, opts);
    this.sampler = new LoadSampler(load);
    return load;
  }

  /** A stop probe's context sees the load once it has started. */
  private stopProbeContext(name: string): Omit<ProbeContext, 'signal'> {
    const run = this;
    return {
      rng: this.rng.fork(`stop:${name}`),
      get load() {
        return run.sampler;
      },
      processes: this.processes,
    };
  }

  private stopConditions(): StopCondition[] {
    const sc = this.experiment.stop_conditions;
    const conditions: StopCondition[] = [];
    // Host guards go with the safety switch; the user's own probes always apply.
    if (this.safety.safetyEnabled && sc.host_cpu !== false) {
      conditions.push(
        new HostCpuCondition({
          thresholdPercent: sc.host_cpu.threshold_percent,
          sustainMs: sc.host_cpu.sustain_ms,
        }),
      );
    }
    if (this.safety.safetyEnabled && sc.available_memory !== false) {
      conditions.push(new AvailableMemoryCondition({ minAvailablePercent: sc.available_memory.min_percent }));
    }
    for (const p of this.resolved.stopProbes) {
      conditions.push(
        new ProbeCondition({
          name: p.name,
          probe: p.probe,
          tolerance: p.tolerance,
          consecutive: p.consecutive,
          context: this.stopProbeContext(p.name),
        }),
      );
    }
    return [...conditions, ...(this.options.stopConditions ?? [])];
  }
}
