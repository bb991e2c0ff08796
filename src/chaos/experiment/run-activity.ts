import type { Logger } from 'pino';
import { delay } from '../../common/async.js';
import type { SeededRandom } from '../../common/rng.js';
import { errorText } from '../../common/text.js';
import { type HttpResponseValue, meetsTolerance, type ProbeContext } from '../probes/index.js';
import type { ActionContext } from './experiment-schema.js';
import type { FaultTracker } from './fault-tracker.js';
import type { ActivityRecord } from './journal.js';
import type { ResolvedActivity } from './resolve-experiment.js';
import type { RunClock } from './run-clock.js';
import { interruptionOf } from './run-interruption.js';
import { runProbe } from './run-probe.js';

export interface ActivityEnv {
  clock: RunClock;
  faults: FaultTracker;
  rng: SeededRandom;
  /** The TTL of a fault whose action gives none: the experiment's time limit. */
  defaultTtlMs: number;
  probeContext(signal: AbortSignal): ProbeContext;
  setMetric(name: string, value: number): void;
  logger?: Logger;
}

/** Thrown inside an activity to fail it with a message (never escapes `runActivity`). */
class ActivityFailure extends Error {}

/**
 * Runs one activity, with its pauses, and returns its journal record; never throws. A fault
 * action injects (registered with the safety controller first), then holds the fault for
 * `duration_ms` if given, else leaves it for the method's end.
 */
export async function runActivity(
  activity: ResolvedActivity,
  env: ActivityEnv,
  signal: AbortSignal,
): Promise<ActivityRecord> {
  const start_ms = env.clock.nowMs();
  const finish = (status: ActivityRecord['status'], extra: { output?: unknown; error?: string }) => {
    const end_ms = env.clock.nowMs();
    return {
      name: activity.name,
      type: activity.type,
      status,
      background: activity.background,
      start_ms,
      end_ms,
      duration_ms: Math.round((end_ms - start_ms) * 10) / 10,
      ...extra,
    } satisfies ActivityRecord;
  };
  const interrupted = (): string => abortMessage(signal);
  try {
    if (!(await delay(activity.pauses.before_ms, signal))) {
      return finish('failed', { error: interrupted() });
    }
    // An activity that ignores the signal (a TS function, a slow inject) stops being waited
    // for when the run stops; a fault injected late is still reverted (see injectFault).
    const output = await untilAborted(perform(activity, env, signal), signal);
    if (!(await delay(activity.pauses.after_ms, signal))) {
      return finish('failed', { output, error: interrupted() });
    }
    return finish('succeeded', output === undefined ? {} : { output });
  } catch (err) {
    env.logger?.warn({ activity: activity.name, err: errorText(err) }, 'activity failed');
    return finish('failed', { error: errorText(err) });
  }
}

async function perform(activity: ResolvedActivity, env: ActivityEnv, signal: AbortSignal): Promise<unknown> {
  switch (activity.type) {
    case 'pause': {
      if (!(await delay(activity.duration_ms, signal))) throw new ActivityFailure(abortMessage(signal));
      return undefined;
    }
    case 'probe': {
      const r = await runProbe(activity.probe, env.probeContext(signal), env.clock);
      if (!r.ok) throw new ActivityFailure(r.error ?? 'probe failed');
      if (activity.tolerance !== undefined && !(await meetsTolerance(activity.tolerance, r.value))) {
        throw new ActivityFailure(`probe value ${JSON.stringify(r.value)} does not meet its tolerance`);
      }
      return r.value;
    }
    case 'action': {
      if (activity.fault) return injectFault(activity, env, signal);
      if (activity.http) {
        const response = (await activity.http.run(env.probeContext(signal))) as HttpResponseValue;
        if (response.status >= 400) {
          throw new ActivityFailure(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
        }
        return response;
      }
      if (activity.run) {
        const ctx: ActionContext = {
          ...env.probeContext(signal),
          rng: env.rng.fork(`action:${activity.name}`),
          setMetric: env.setMetric,
        };
        const out = await activity.run(ctx);
        return out;
      }
      return undefined;
    }
  }
}

async function injectFault(
  activity: Extract<ResolvedActivity, { type: 'action' }>,
  env: ActivityEnv,
  signal: AbortSignal,
): Promise<unknown> {
  const fault = activity.fault!;
  const ttlMs = activity.ttl_ms ?? env.defaultTtlMs;
  const tracked = env.faults.register(fault, ttlMs);
  try {
    await fault.inject({ rng: env.rng.fork(`fault:${fault.name}`), signal });
  } catch (err) {
    env.faults.failed(tracked, `inject failed: ${errorText(err)}`);
    await tracked.handle.revert('error');
    throw err;
  }
  env.faults.injected(tracked);
  env.logger?.info({ fault: tracked.record.id, kind: fault.kind, target: fault.target }, 'fault injected');
  // The emergency stop or the TTL may have reverted it while inject was still under way.
  if (!tracked.handle.active) await fault.revert();
  if (activity.duration_ms !== undefined) {
    await Promise.race([delay(activity.duration_ms, signal), tracked.handle.reverted]);
    if (!signal.aborted) await tracked.handle.revert('completed');
  }
  return { fault: tracked.record.id, kind: fault.kind, ...(fault.target ? { target: fault.target } : {}) };
}

/** Settles like `work`, or rejects with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // One macrotask of grace: work that finished as the abort fired (e.g. the action that
    // aborted the run) keeps its result.
    const onAbort = (): void => {
      setImmediate(() => reject(new ActivityFailure(abortMessage(signal))));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function abortMessage(signal: AbortSignal): string {
  const i = interruptionOf(signal);
  if (i) return `interrupted: ${i.reason}`;
  return signal.reason instanceof Error ? `interrupted: ${signal.reason.message}` : 'interrupted';
}
