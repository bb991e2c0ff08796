import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { settlesWithin } from '../../common/async.js';
import { type Disposable, type Event, EventEmitter } from '../../common/event.js';
import { DuplicateRegistrationError, EmergencyStopError } from './errors.js';

/** Anything the ledger can undo: an injected fault, a spawned process, a held resource. */
export interface Revertible {
  readonly id: string;
  /** e.g. a fault kind (`toxic`, `cpu`) or `process`. */
  readonly kind: string;
  readonly name: string;
  /** For processes: lets probes and reports find the pid by name. */
  readonly pid?: number;
  /** Undo it. Called at most once by the ledger. */
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

/** Traces for tools that watch without a logger (`faultline:safety:*`). */
const registerChannel = diagnostics.channel('faultline:safety:register');
const revertChannel = diagnostics.channel('faultline:safety:revert');
const emergencyChannel = diagnostics.channel('faultline:safety:emergency');

interface Entry {
  readonly revertible: Revertible;
  readonly handle: SafetyHandle;
  timer: NodeJS.Timeout | undefined;
}

export interface RevertLedgerOptions {
  /** How long an emergency stop waits for reverts (ms). @default 1000 */
  emergencyBudgetMs?: number;
  logger?: Logger;
}

/**
 * What the engine has broken and how to undo it: each registration is reverted on its time to
 * live, on request, or all at once (in parallel, within a budget) on emergency stop, after which
 * the finalizers (work to finish before the process exits) run.
 */
export class RevertLedger {
  /** How long an emergency stop waits for reverts (ms). */
  readonly emergencyBudgetMs: number;
  private readonly logger: Logger | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly abort = new AbortController();
  private readonly finalizers = new Set<() => Promise<void>>();
  private emergency: Promise<EmergencyStopReport> | undefined;
  private readonly revertEmitter = new EventEmitter<RevertOutcome>();
  private readonly emergencyEmitter = new EventEmitter<string>();

  /** Every revert, whatever its reason. */
  readonly onRevert: Event<RevertOutcome> = this.revertEmitter.addListener;
  /** Fires once, when the emergency stop starts, with its reason. */
  readonly onEmergencyStop: Event<string> = this.emergencyEmitter.addListener;

  constructor(options: RevertLedgerOptions = {}) {
    this.emergencyBudgetMs = options.emergencyBudgetMs ?? 1000;
    this.logger = options.logger;
  }

  /** Aborted (with an EmergencyStopError) when the emergency stop fires. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The emergency stop has fired. */
  get stopped(): boolean {
    return this.emergency !== undefined;
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
    await settlesWithin(all, this.emergencyBudgetMs);
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
    await settlesWithin(Promise.allSettled([...this.finalizers].map((f) => f())), budgetMs);
  }
}
