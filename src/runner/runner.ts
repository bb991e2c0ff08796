import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Journal, journalSchema } from '../chaos/experiment/journal.js';
import type { SafetyController } from '../chaos/safety/safety-controller.js';
import type { Capability } from '../targets/capability.js';
import type { Target } from '../targets/target.js';
import { DEFAULT_TARGET } from '../targets/targets.js';
import { createScenarioContext, type IsolatedContext } from './context.js';
import { failedForItsClaim, type ScenarioControl } from './control.js';
import { hypothesisOf, metricsOf } from './journal-metrics.js';
import type { NeedChecker } from './needs.js';
import { PortAllocator } from './port-allocator.js';
import type { ControlResult, ScenarioResult } from './run-report.js';
import type { Phase, Scenario, ScenarioEnv, ScenarioStatus } from './scenario.js';
import { verdictOf } from './verdict.js';

/** What the terminal view (or anyone) hears while a run goes on. */
export interface RunObserver {
  /** `target` is the name of the target it runs on (`--target`). */
  onScenarioStart?(scenario: Scenario, target: string): void;
  onPhase?(scenario: Scenario, phase: Phase, target: string): void;
  onScenarioEnd?(result: ScenarioResult): void;
}

export interface RunScenariosOptions {
  scenarios: readonly Scenario[];
  seed: number;
  env: ScenarioEnv;
  logger: Logger;
  needs: NeedChecker;
  /** The whole run's time limit (--timeout); scenarios not started by then are `not_run`. */
  timeoutMs: number;
  /** Cap on any one scenario (CHAOS_MAX_DURATION). */
  maxScenarioMs: number;
  /** After this many failed or errored scenarios, the rest are `not_run` (--max-failures). */
  maxFailures: number;
  /** Scenarios at once (1 unless --parallel). */
  concurrency: number;
  /** Ctrl+C: running scenarios are aborted and reported `not_run`, the rest too. */
  signal?: AbortSignal;
  /** Passed through to every scenario's context (the safety controller). */
  safety: SafetyController;
  observer?: RunObserver;
  /** How long an aborted scenario gets to return and clean up (default 15 s). */
  abortGraceMs?: number;
  ports?: PortAllocator;
  /**
   * Run each passed scenario's negative controls after it (`--controls`), and mark the scenario
   * `not_proven` when one of them does not fail. @default false
   */
  controls?: boolean;
  /**
   * Effective parameter values by scenario id (from `resolveParams`: defaults + the config
   * file's overrides); a scenario without an entry runs with its defaults.
   */
  params?: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /**
   * The systems under test (`--target`), in order: every scenario runs on each, and is `skipped`
   * on one that lacks a capability it needs or whose binary is missing. @default [Faultline's gateway]
   */
  targets?: readonly Target[];
}

export type RunOutcome = 'completed' | 'timeout' | 'max_failures' | 'interrupted';

export interface RunScenariosResult {
  results: ScenarioResult[];
  outcome: RunOutcome;
}

type StopReason = 'time_limit' | 'timeout' | 'interrupted';

const DEFAULT_GRACE_MS = 15_000;

/**
 * The capability a scenario needs that `target` lacks, with the target's reason; undefined when
 * it has them all. A scenario that declares none runs only where its own harness does
 * (`embedded_stack`).
 */
export function missingCapability(
  scenario: Pick<Scenario, 'capabilities'>,
  target: Target,
): { capability: Capability; reason: string } | undefined {
  for (const capability of scenario.capabilities ?? ['embedded_stack']) {
    const has = target.capabilities[capability];
    if (has !== true) return { capability, reason: has };
  }
  return undefined;
}

/**
 * Runs scenarios on each target (scenario by scenario, each on every target in turn): need,
 * binary and capability checks first (missing → `skipped`), then up to `concurrency` runs at a
 * time, each in its own isolated context, stopping early on --timeout, --max-failures and
 * Ctrl+C. Results come back in that order, each carrying its target.
 */
export async function runScenarios(options: RunScenariosOptions): Promise<RunScenariosResult> {
  const { scenarios, observer } = options;
  const targets = options.targets && options.targets.length > 0 ? options.targets : [DEFAULT_TARGET];
  const runs = scenarios.flatMap((scenario) => targets.map((target) => ({ scenario, target })));
  const runId = randomBytes(4).toString('hex');
  const ports = options.ports ?? new PortAllocator();
  const results = new Array<ScenarioResult | undefined>(runs.length);
  const deadline = Date.now() + options.timeoutMs;

  // One controller for the run: aborted by --timeout or by the caller's signal (Ctrl+C).
  const run = new AbortController();
  const runTimer = setTimeout(() => run.abort('timeout' satisfies StopReason), options.timeoutMs);
  const onInterrupt = () => run.abort('interrupted' satisfies StopReason);
  if (options.signal?.aborted) onInterrupt();
  options.signal?.addEventListener('abort', onInterrupt, { once: true });

  const finish = (index: number, result: ScenarioResult) => {
    results[index] = result;
    observer?.onScenarioEnd?.(result);
  };

  // Need checks, concurrently and once per distinct need; then the target's binary and capabilities.
  const missing = await Promise.all(scenarios.map((s) => options.needs.firstMissing(s.needs)));
  const binaries = await Promise.all(targets.map((t) => options.needs.binaryProblem(t.binary)));
  const queue: number[] = [];
  for (const [i, { scenario, target }] of runs.entries()) {
    const gap = missing[Math.floor(i / targets.length)];
    const binary = binaries[i % targets.length];
    const lacks = missingCapability(scenario, target);
    if (gap) {
      finish(
        i,
        emptyResult(scenario, 'skipped', `needs ${gap.need}: ${gap.reason}`, gap.provide, target.name),
      );
    } else if (binary) {
      finish(
        i,
        emptyResult(
          scenario,
          'skipped',
          `target ${target.name}: ${binary.reason}`,
          binary.provide,
          target.name,
        ),
      );
    } else if (lacks) {
      finish(
        i,
        emptyResult(
          scenario,
          'skipped',
          `needs ${lacks.capability} on ${target.name}: ${lacks.reason}`,
          undefined,
          target.name,
        ),
      );
    } else {
      queue.push(i);
    }
  }

  let failures = 0;
  let outcome: RunOutcome = 'completed';
  const stopReason = (): string | undefined => {
    if (run.signal.aborted) {
      return run.signal.reason === 'interrupted'
        ? 'interrupted before it started'
        : `the run's time limit (--timeout ${formatSeconds(options.timeoutMs)}) was reached`;
    }
    if (failures >= options.maxFailures) {
      return `stopped after ${failures} failed scenario${failures === 1 ? '' : 's'} (--max-failures ${options.maxFailures})`;
    }
    return undefined;
  };

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { scenario, target } = runs[next] as { scenario: Scenario; target: Target };
      const stop = stopReason();
      if (stop) {
        finish(next, emptyResult(scenario, 'not_run', stop, undefined, target.name));
        continue;
      }
      // Its own limit only when that ends before the run does; otherwise the run's --timeout
      // timer cuts it, so the reason names the limit that actually applied.
      const one = (control?: ScenarioControl) => {
        const own = Math.min(scenario.timeoutMs ?? Infinity, options.maxScenarioMs);
        const remaining = Math.max(1, deadline - Date.now());
        return runOne(scenario, {
          ...options,
          runId,
          ports,
          runSignal: run.signal,
          timeLimitMs: Math.min(own, remaining),
          ownLimit: own < remaining,
          target,
          ...(control ? { control } : {}),
        });
      };
      const result = await one();
      // Controls rewrite the scenario's gateway config; only a target that expresses every such
      // rewrite can run them (a switched-off setting it never expressed would prove nothing).
      if (options.controls && result.status === 'passed' && target.controls === true) {
        const declared = scenario.controls ?? [];
        const controls: ControlResult[] = [];
        for (const control of declared) {
          const stop = stopReason();
          const c = stop
            ? {
                ...emptyResult(scenario, 'not_run', stop, undefined, target.name),
                duration_ms: 0,
                seed: null,
              }
            : await one(control);
          controls.push(controlResultOf(control, c));
        }
        result.controls = controls;
        result.proof =
          declared.length === 0 ? 'no_controls' : controls.every((c) => c.proven) ? 'proven' : 'not_proven';
      }
      if (result.status === 'failed' || result.status === 'error' || result.proof === 'not_proven')
        failures += 1;
      finish(next, result);
    }
  };

  try {
    const lanes = Math.max(1, Math.min(options.concurrency, queue.length));
    await Promise.all(Array.from({ length: lanes }, worker));
  } finally {
    clearTimeout(runTimer);
    options.signal?.removeEventListener('abort', onInterrupt);
  }

  if (run.signal.aborted) outcome = run.signal.reason === 'interrupted' ? 'interrupted' : 'timeout';
  else if (failures >= options.maxFailures && results.some((r) => r?.status === 'not_run'))
    outcome = 'max_failures';
  return { results: results as ScenarioResult[], outcome };
}

interface RunOneOptions extends RunScenariosOptions {
  runId: string;
  ports: PortAllocator;
  runSignal: AbortSignal;
  /** What the scenario is told it has (its context's timeLimitMs and deadline). */
  timeLimitMs: number;
  /** Whether to arm a timer at timeLimitMs (false: the run's timeout is the binding limit). */
  ownLimit: boolean;
  /** Run this negative control of the scenario instead of the scenario itself. */
  control?: ScenarioControl;
  /** The target to run it on. */
  target: Target;
}

/**
 * A control's run as the reports show it: proven when the scenario failed without the capability,
 * for its claim (one of the checks the control `misses`, when it names them).
 */
export function controlResultOf(
  control: ScenarioControl,
  result: Pick<ScenarioResult, 'status' | 'reason' | 'duration_ms' | 'seed'>,
): ControlResult {
  const forItsClaim = failedForItsClaim(control, result.reason);
  const proven = result.status === 'failed' && forItsClaim;
  const reason =
    result.status === 'passed'
      ? `passed without the capability: the claim "${control.claim}" is not proven`
      : result.status === 'failed' && !forItsClaim
        ? `failed, but not on ${control.misses?.map((m) => `"${m}"`).join(' or ')}: ${result.reason ?? ''}`
        : result.reason;
  return {
    name: control.name,
    claim: control.claim,
    change: control.change,
    status: result.status,
    ...(reason === undefined ? {} : { reason }),
    duration_ms: result.duration_ms,
    seed: result.seed,
    proven,
  };
}

/**
 * Runs one scenario in its own context and turns what happened into a result. Also used by the
 * vitest helper, so `vitest -t NAME` and `faultline run` judge a scenario the same way.
 */
export async function runOne(scenario: Scenario, options: RunOneOptions): Promise<ScenarioResult> {
  const startedAt = new Date();
  const started = performance.now();
  const abort = new AbortController();
  const limitTimer = options.ownLimit
    ? setTimeout(() => abort.abort('time_limit' satisfies StopReason), options.timeLimitMs)
    : undefined;
  const onRunAbort = () => abort.abort(options.runSignal.reason as StopReason);
  if (options.runSignal.aborted) onRunAbort();
  options.runSignal.addEventListener('abort', onRunAbort, { once: true });

  const target = options.target.name;
  options.observer?.onScenarioStart?.(scenario, target);
  let isolated: IsolatedContext;
  try {
    isolated = await createScenarioContext({
      scenario,
      runId: options.runId,
      runSeed: options.seed,
      env: options.env,
      logger: options.logger,
      signal: abort.signal,
      timeLimitMs: options.timeLimitMs,
      safety: options.safety,
      ports: options.ports,
      onPhase: (phase) => options.observer?.onPhase?.(scenario, phase, target),
      ...(options.control ? { control: options.control } : {}),
      ...(options.params?.has(scenario.id) ? { params: options.params.get(scenario.id) } : {}),
      target: options.target,
    });
  } catch (err) {
    // No context (e.g. no temp dir): the scenario cannot run; say why instead of ending the run.
    clearTimeout(limitTimer);
    options.runSignal.removeEventListener('abort', onRunAbort);
    return emptyResult(
      scenario,
      'error',
      `could not set up its context: ${describeError(err)}`,
      undefined,
      target,
    );
  }
  const { context } = isolated;
  const grace = options.abortGraceMs ?? DEFAULT_GRACE_MS;

  let journal: Journal | null = null;
  let thrown: unknown;
  let hung = false;
  try {
    context.setPhase('setup');
    const outcome = await settleWithin(scenario.run(context), abort.signal, grace);
    if (outcome.kind === 'hung') hung = true;
    else if (outcome.kind === 'rejected') thrown = outcome.error;
    else {
      const parsed = journalSchema.safeParse(outcome.value);
      if (parsed.success) journal = parsed.data;
      else
        thrown = new Error(`its journal does not match the schema: ${parsed.error.issues[0]?.message ?? ''}`);
    }
  } finally {
    clearTimeout(limitTimer);
    options.runSignal.removeEventListener('abort', onRunAbort);
    context.setPhase('teardown');
    await settleWithin(isolated.cleanup(), AbortSignal.abort(), grace);
  }

  const base = {
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    seed: context.seed,
  };
  const stopped = abort.signal.aborted ? (abort.signal.reason as StopReason) : undefined;
  let status: ScenarioStatus;
  let reason: string | undefined;
  if (stopped === 'interrupted') {
    status = 'not_run';
    reason = 'interrupted (Ctrl+C) while running';
  } else if (stopped === 'time_limit' || stopped === 'timeout') {
    status = 'error';
    reason =
      stopped === 'time_limit'
        ? `exceeded its time limit of ${formatSeconds(options.timeLimitMs)}`
        : `cut short by the run's time limit (--timeout ${formatSeconds(options.timeoutMs)})`;
    if (hung) reason += `, and did not stop within ${formatSeconds(grace)} of being aborted`;
  } else if (thrown !== undefined) {
    status = 'error';
    reason = describeError(thrown);
  } else if (journal) {
    ({ status, reason } = verdictOf(journal));
  } else {
    status = 'error';
    reason = 'returned no journal';
  }
  const unsupported = isolated.unsupported;
  return {
    ...emptyResult(scenario, status, reason, undefined, target),
    ...(unsupported.length > 0 ? { unsupported: [...unsupported] } : {}),
    started_at: base.startedAt,
    duration_ms: base.durationMs,
    seed: base.seed,
    hypothesis: hypothesisOf(journal),
    metrics: metricsOf(journal),
    journal,
  };
}

/** Waits for `work`; once `signal` aborts, waits at most `graceMs` more. */
async function settleWithin<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
): Promise<{ kind: 'fulfilled'; value: T } | { kind: 'rejected'; error: unknown } | { kind: 'hung' }> {
  const settled = work.then(
    (value) => ({ kind: 'fulfilled' as const, value }),
    (error: unknown) => ({ kind: 'rejected' as const, error }),
  );
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const hung = new Promise<{ kind: 'hung' }>((resolve) => {
    const arm = () => {
      timer = setTimeout(() => resolve({ kind: 'hung' }), graceMs);
    };
    if (signal.aborted) arm();
    else {
      onAbort = arm;
      signal.addEventListener('abort', arm, { once: true });
    }
  });
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

export function emptyResult(
  scenario: Scenario,
  status: ScenarioStatus,
  reason?: string,
  provide?: string,
  target: string = DEFAULT_TARGET.name,
): ScenarioResult {
  return {
    id: scenario.id,
    name: scenario.name,
    title: scenario.title,
    category: scenario.category,
    target,
    status,
    started_at: null,
    duration_ms: 0,
    ...(reason === undefined ? {} : { reason }),
    ...(provide === undefined ? {} : { provide }),
    seed: null,
    weight: scenario.weight ?? 1,
    hypothesis: hypothesisOf(null),
    metrics: metricsOf(null),
    journal: null,
  };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    return `threw ${code}${err.message.split('\n')[0]}`;
  }
  return `threw ${String(err)}`;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
