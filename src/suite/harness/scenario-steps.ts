import type {
  ActionActivity,
  ExperimentInput,
  PauseActivity,
} from '../../chaos/experiment/experiment-schema.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import { pollUntil } from './poll-until.js';
import type { TimedFault } from './timed-fault.js';

/*
 * The method steps that every reference-stack scenario repeats around its own measurements:
 * a steady-state pause, the fault held in the background, a wait for its revert, a recovery
 * pause. Built here once so a scenario's method reads as what it measures.
 */

/** The pause before the fault, in which the steady state is recorded. */
export function steadyStatePause(durationMs: number): PauseActivity {
  return { type: 'pause', name: 'steady state', duration_ms: durationMs };
}

/** The pause after the fault is gone, in which recovery is observed. */
export function recoveryPause(durationMs: number): PauseActivity {
  return { type: 'pause', name: 'recovery', duration_ms: durationMs };
}

/**
 * The fault, held for `durationMs` in the background so the following actions can measure
 * while it acts (the engine reverts it when the time is up).
 */
export function backgroundFaultAction(name: string, fault: TimedFault, durationMs: number): ActionActivity {
  return { type: 'action', name, fault, duration_ms: durationMs, background: true };
}

/**
 * Enters the 'inject' phase and resolves once the background fault is in place, with the
 * moment its injection began: what the scenarios measure their reaction times from.
 */
export async function awaitInjection(fault: TimedFault, ctx: ScenarioContext): Promise<number> {
  ctx.setPhase('inject');
  await fault.injected;
  return fault.injectStartedAt as number;
}

export interface WaitForRevertOptions {
  /** Give up after this long (a HypothesisMissError). */
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Resolves with `fault.revertedAt` once the background fault has been reverted. The revert
 * happens in the engine, with no event to await, so it is polled.
 */
export async function waitForRevert(fault: TimedFault, options: WaitForRevertOptions): Promise<number> {
  const { value } = await pollUntil(async () => fault.revertedAt, options);
  return value;
}

export interface WaitForRevertActionOptions {
  /** The action's name in the journal. @example 'wait for the latency to go' */
  name: string;
  timeoutMs: number;
  intervalMs: number;
  /**
   * When the 'recover' phase begins. `'at-start'`: a measuring action before this one already
   * covered the fault, so the scenario is recovering from now on. `'after-revert'`: the fault
   * still acts while this action waits.
   * @default 'at-start'
   */
  recoverPhase?: 'at-start' | 'after-revert';
  /**
   * Enter the 'inject' phase and wait for the injection first: for scenarios where this is the
   * first action after the background fault (no measuring action did it already).
   * @default false
   */
  fromInjection?: boolean;
}

/** The "wait for the fault to go" action: returns once the background fault is reverted. */
export function waitForRevertAction(
  fault: TimedFault,
  ctx: ScenarioContext,
  options: WaitForRevertActionOptions,
): ActionActivity {
  const recoverPhase = options.recoverPhase ?? 'at-start';
  return {
    type: 'action',
    name: options.name,
    background: false,
    run: async ({ signal }) => {
      if (options.fromInjection) await awaitInjection(fault, ctx);
      if (recoverPhase === 'at-start') ctx.setPhase('recover');
      await waitForRevert(fault, { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs, signal });
      if (recoverPhase === 'after-revert') ctx.setPhase('recover');
    },
  };
}

/**
 * A shared 2-core machine is often busy; the host-CPU guard would abort a scenario for other
 * people's load, so the scenarios turn it off.
 */
export function sharedMachineStopConditions(): NonNullable<ExperimentInput['stop_conditions']> {
  return { host_cpu: false };
}
