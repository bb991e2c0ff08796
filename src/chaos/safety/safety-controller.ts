import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { UsageError } from '../../common/errors.js';
import { type Disposable, type Event, EventEmitter } from '../../common/event.js';
import { evaluateEnvironment, type SafetyCheck } from './environment-checks.js';
import {
  DuplicateRegistrationError,
  EmergencyStopError,
  SafetyRefusedError,
  SafetyTimeoutError,
} from './errors.js';
import { type SafetyEnv, safetyEnvSchema } from './safety-config.js';

/** Anything the controller can undo: an injected fault, a spawned process, a held resource. */
export interface Revertible {
  readonly id: string;
  /** e.g. a fault kind (`toxic`, `cpu`) or `process`. */
  readonly kind: string;
  readonly name: string;
  /** For processes: lets probes and reports find the pid by name. */
  readonly pid?: number;
  /** Undo it. Called at most once by the controller. */
  revert(): Promise<void>;
}

/** Why something was reverted; the same words as the journal's `revert_reason`. */
export type RevertReason = 'completed' | 'ttl' | 'rollback' | 'emergency' | 'error';

export interface RevertOutcome {
  id: string;
  kind: string;
  name: string;
  reason: RevertReason;
  /** performance.now() when the revert began (a slow revert, e.g. a restart, takes a while). */
  started_at: number;
  /** performance.now() when the revert settled. */
  at: number;
  /** The revert threw (the thing may still be active). */
  error?: string;
}

export interface RegisterOptions {
  /** Revert automatically this long after registration (the dead man's switch). */
  ttlMs?: number;
}

export interface SafetyHandle {
  readonly id: string;
  /** Registered and not yet reverted or released. */
  readonly active: boolean;
  /** Settles (never rejects) once it has been reverted, whoever asked. */
  readonly reverted: Promise<RevertOutcome>;
  /** Idempotent: the first call decides the reason, later calls get the same outcome. */
  revert(reason?: RevertReason): Promise<RevertOutcome>;
  /** Forget it without reverting (it ended on its own, e.g. the process exited). */
  release(): void;
}

export interface EmergencyStopReport {
  reason: string;
  reverted: string[];
  failed: { id: string; error: string }[];
  /** Still reverting when the budget ran out. */
  pending: string[];
  duration_ms: number;
}

export interface ExperimentBudget {
  /** Aborted with a SafetyTimeoutError when the limit passes. */
  readonly signal: AbortSignal;
  readonly limitMs: number;
  /** Clears the timer; call when the experiment ends. */
  end(): void;
}

export interface SafetyControllerOptions {
  /** Where to read ENVIRONMENT, DATABASE_URL, CHAOS_* from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Required, together with CHAOS_SAFETY_ENABLED=false, to switch the refusals off. @default false */
  allowUnsafe?: boolean;
  /** Overrides CHAOS_ISOLATED (false lets DATABASE_URL / REDIS_URL point off loopback). */
  isolated?: boolean;
  /** Overrides CHAOS_MAX_DURATION (in ms here). */
  maxExperimentMs?: number;
  /** Overrides CHAOS_MAX_RUN_DURATION (in ms here). */
  maxRunMs?: number;
  /** How long an emergency stop waits for reverts. @default 1000 */
  emergencyBudgetMs?: number;
  logger?: Logger;
}

/** Traces for tools that watch without a logger (`faultline:safety:*`). */
const registerChannel = diagnostics.channel('faultline:safety:register');
const revertChannel = diagnostics.channel('faultline:safety:revert');
const emergencyChannel = diagnostics.channel('faultline:safety:emergency');

interface Entry {
  readonly revertible: Revertible;
  readonly handle: SafetyHandle;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The one place that knows everything the engine has broken and how to undo it. Everything
 * injected or spawned registers here; the controller reverts it on time-to-live expiry, on
 * request, and all at once (in parallel, within a budget) on emergency stop.
 */
export class SafetyController {
  readonly env: SafetyEnv;
  readonly safetyEnabled: boolean;
  readonly isolated: boolean;
  readonly maxExperimentMs: number;
  readonly maxRunMs: number;
  readonly emergencyBudgetMs: number;
  private readonly allowUnsafe: boolean;
  private readonly logger: Logger | undefined;
  private readonly runStartedAt = performance.now();
  private readonly entries = new Map<string, Entry>();
  private readonly abort = new AbortController();
  private readonly finalizers = new Set<() => Promise<void>>();
  private emergency: Promise<EmergencyStopReport> | undefined;
  private runExpired = false;
  private readonly revertEmitter = new EventEmitter<RevertOutcome>();
  private readonly emergencyEmitter = new EventEmitter<string>();

  /** Every revert, whatever its reason. */
  readonly onRevert: Event<RevertOutcome> = this.revertEmitter.addListener;
  /** Fires once, when the emergency stop starts, with its reason. */
  readonly onEmergencyStop: Event<string> = this.emergencyEmitter.addListener;

  constructor(options: SafetyControllerOptions = {}) {
    const parsed = safetyEnvSchema.safeParse(options.env ?? process.env);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${String(issue?.path.join('.'))}: ${issue?.message}`, {
        code: 'FL_SAFETY_CONFIG',
      });
    }
    this.env = parsed.data;
    this.allowUnsafe = options.allowUnsafe ?? false;
    this.safetyEnabled = !(this.env.CHAOS_SAFETY_ENABLED === false && this.allowUnsafe);
    this.isolated = options.isolated ?? this.env.CHAOS_ISOLATED;
    this.maxExperimentMs = options.maxExperimentMs ?? this.env.CHAOS_MAX_DURATION * 1000;
    this.maxRunMs = options.maxRunMs ?? this.env.CHAOS_MAX_RUN_DURATION * 1000;
    this.emergencyBudgetMs = options.emergencyBudgetMs ?? 1000;
    this.logger = options.logger?.child({ component: 'safety' });
    if (!this.safetyEnabled) {
      this.logger?.warn(
        'SAFETY DISABLED: CHAOS_SAFETY_ENABLED=false and allowUnsafe; environment and isolation are NOT checked',
      );
    }
  }

  /** Aborted when the emergency stop fires; hand it to everything long-running. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stopped(): boolean {
    return this.emergency !== undefined;
  }

  /** The pre-flight checks, without throwing (for `--dry-run`). */
  checks(): SafetyCheck[] {
    const checks = evaluateEnvironment(this.env, {
      isolated: this.isolated,
      safetyDisabled: !this.safetyEnabled,
    });
    if (this.env.CHAOS_SAFETY_ENABLED === false) {
      checks.push(
        this.allowUnsafe
          ? {
              name: 'safety_enabled',
              ok: true,
              detail: 'WARNING: safety checks DISABLED (CHAOS_SAFETY_ENABLED=false with the explicit flag)',
            }
          : {
              name: 'safety_enabled',
              ok: false,
              detail:
                'CHAOS_SAFETY_ENABLED=false needs the explicit flag (--i-know-what-i-am-doing / allowUnsafe)',
            },
      );
    } else {
      checks.push({ name: 'safety_enabled', ok: true, detail: 'safety checks enabled' });
    }
    checks.push({
      name: 'time_limits',
      ok: true,
      detail: `experiment ${this.maxExperimentMs} ms, run ${this.maxRunMs} ms`,
    });
    return checks;
  }

  /** Throws SafetyRefusedError (exit 3) listing every failed check. */
  assertSafe(): void {
    const failed = this.checks().filter((c) => !c.ok);
    if (failed.length > 0) throw new SafetyRefusedError(failed.map((c) => c.detail));
    if (this.stopped) throw new SafetyRefusedError(['the emergency stop has fired']);
  }

  /**
   * Starts the clock of one experiment: its signal aborts after the smallest of `requestedMs`,
   * CHAOS_MAX_DURATION and what is left of the run limit.
   */
  beginExperiment(title: string, requestedMs?: number): ExperimentBudget {
    const left = this.maxRunMs - (performance.now() - this.runStartedAt);
    if (left <= 0 || this.runExpired) throw new SafetyTimeoutError('the run', this.maxRunMs);
    const limitMs = Math.max(1, Math.ceil(Math.min(requestedMs ?? Infinity, this.maxExperimentMs, left)));
    const byRun = left < Math.min(requestedMs ?? Infinity, this.maxExperimentMs);
    const ac = new AbortController();
    const timer = setTimeout(() => {
      if (byRun) this.runExpired = true;
      ac.abort(
        byRun
          ? new SafetyTimeoutError('the run', this.maxRunMs)
          : new SafetyTimeoutError(`experiment '${title}'`, limitMs),
      );
    }, limitMs);
    return { signal: ac.signal, limitMs, end: () => clearTimeout(timer) };
  }

  /**
   * Registers something to undo. Throws EmergencyStopError after the emergency stop (so nothing
   * new gets injected) and DuplicateRegistrationError for an id that is still active.
   */
  register(revertible: Revertible, options: RegisterOptions = {}): SafetyHandle {
    if (this.stopped) throw new EmergencyStopError('no new registrations after the emergency stop');
    if (this.entries.has(revertible.id)) throw new DuplicateRegistrationError(revertible.id);
    let outcome: Promise<RevertOutcome> | undefined;
    let resolveReverted!: (o: RevertOutcome) => void;
    const reverted = new Promise<RevertOutcome>((r) => {
      resolveReverted = r;
    });
    let released = false;
    const doRevert = async (reason: RevertReason): Promise<RevertOutcome> => {
      const entry = this.entries.get(revertible.id);
      if (entry?.timer) clearTimeout(entry.timer);
      const startedAt = performance.now();
      let error: string | undefined;
      try {
        await revertible.revert();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      this.entries.delete(revertible.id);
      const o: RevertOutcome = {
        id: revertible.id,
        kind: revertible.kind,
        name: revertible.name,
        reason,
        started_at: startedAt,
        at: performance.now(),
        ...(error === undefined ? {} : { error }),
      };
      if (error === undefined) this.logger?.info({ id: o.id, kind: o.kind, reason }, 'reverted');
      else this.logger?.error({ id: o.id, kind: o.kind, reason, err: error }, 'revert failed');
      this.revertEmitter.emit(o);
      if (revertChannel.hasSubscribers) revertChannel.publish(o);
      resolveReverted(o);
      return o;
    };
    const handle: SafetyHandle = {
      id: revertible.id,
      get active() {
        return outcome === undefined && !released;
      },
      reverted,
      revert: (reason = 'completed') => {
        outcome ??= doRevert(reason);
        return outcome;
      },
      release: () => {
        if (outcome !== undefined || released) return;
        released = true;
        const entry = this.entries.get(revertible.id);
        if (entry?.timer) clearTimeout(entry.timer);
        this.entries.delete(revertible.id);
      },
    };
    const entry: Entry = { revertible, handle, timer: undefined };
    if (options.ttlMs !== undefined) {
      entry.timer = setTimeout(() => void handle.revert('ttl'), Math.max(0, options.ttlMs));
    }
    this.entries.set(revertible.id, entry);
    if (registerChannel.hasSubscribers) {
      registerChannel.publish({
        id: revertible.id,
        kind: revertible.kind,
        name: revertible.name,
        ttlMs: options.ttlMs,
      });
    }
    this.logger?.debug({ id: revertible.id, kind: revertible.kind, ttlMs: options.ttlMs }, 'registered');
    return handle;
  }

  /** What is registered and not yet reverted, in registration order. */
  active(): Revertible[] {
    return [...this.entries.values()].map((e) => e.revertible);
  }

  /** A pid registered (by the process supervisor) under this name, if any. */
  pidOf(name: string): number | undefined {
    for (const e of this.entries.values()) {
      if (e.revertible.name === name && e.revertible.pid !== undefined) return e.revertible.pid;
    }
    return undefined;
  }

  /**
   * Reverts everything in parallel and waits at most `emergencyBudgetMs`; aborts `signal`
   * first so injections in progress stop. Idempotent: later calls get the first report.
   */
  emergencyStop(reason: string): Promise<EmergencyStopReport> {
    this.emergency ??= this.runEmergencyStop(reason);
    return this.emergency;
  }

  private async runEmergencyStop(reason: string): Promise<EmergencyStopReport> {
    const started = performance.now();
    this.logger?.warn({ reason, active: this.entries.size }, 'EMERGENCY STOP');
    this.abort.abort(new EmergencyStopError(reason));
    this.emergencyEmitter.emit(reason);
    if (emergencyChannel.hasSubscribers) emergencyChannel.publish({ reason, active: this.entries.size });
    const entries = [...this.entries.values()];
    const report: EmergencyStopReport = { reason, reverted: [], failed: [], pending: [], duration_ms: 0 };
    const settled = new Set<string>();
    const all = Promise.all(
      entries.map(async (e) => {
        const o = await e.handle.revert('emergency');
        settled.add(o.id);
        if (o.error === undefined) report.reverted.push(o.id);
        else report.failed.push({ id: o.id, error: o.error });
      }),
    );
    let budgetTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise<void>((r) => {
        budgetTimer = setTimeout(r, this.emergencyBudgetMs);
      }),
    ]);
    clearTimeout(budgetTimer);
    report.pending = entries.map((e) => e.revertible.id).filter((id) => !settled.has(id));
    report.duration_ms = performance.now() - started;
    if (report.pending.length > 0 || report.failed.length > 0) {
      this.logger?.error(report, 'emergency stop left things behind');
    }
    return report;
  }

  /** Work to finish after the emergency stop and before the process exits (e.g. writing the journal). */
  addFinalizer(fn: () => Promise<void>): Disposable {
    this.finalizers.add(fn);
    return { dispose: () => this.finalizers.delete(fn) };
  }

  /** Runs the finalizers in parallel, waiting at most `budgetMs`. */
  async runFinalizers(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.finalizers].map((f) => f())),
      new Promise<void>((r) => {
        timer = setTimeout(r, budgetMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
