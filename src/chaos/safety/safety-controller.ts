import type { Logger } from 'pino';
import { UsageError } from '../../common/errors.js';
import type { Disposable, Event } from '../../common/event.js';
import { assertPreflight, preflightChecks, type SafetyCheck } from './environment-checks.js';
import {
  type EmergencyStopReport,
  type RegisterOptions,
  type Revertible,
  RevertLedger,
  type RevertOutcome,
  type SafetyHandle,
} from './revert-ledger.js';
import { type ExperimentBudget, RunBudget } from './run-budget.js';
import { type SafetyEnv, safetyEnvSchema } from './safety-config.js';

export type {
  EmergencyStopReport,
  RegisterOptions,
  Revertible,
  RevertOutcome,
  RevertReason,
  SafetyHandle,
} from './revert-ledger.js';
export type { ExperimentBudget } from './run-budget.js';

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

/**
 * The one place that knows everything the engine has broken and how to undo it, and whether it
 * may start at all. A facade over three parts: the pre-flight checks (`environment-checks.ts`),
 * the run's time limits (`RunBudget`) and the revert ledger with its emergency stop and
 * finalizers (`RevertLedger`). Everything injected or spawned registers here; the controller
 * reverts it on time-to-live expiry, on request, and all at once (in parallel, within a
 * budget) on emergency stop.
 */
export class SafetyController {
  readonly env: SafetyEnv;
  readonly safetyEnabled: boolean;
  readonly isolated: boolean;
  readonly maxExperimentMs: number;
  readonly maxRunMs: number;
  readonly emergencyBudgetMs: number;
  private readonly allowUnsafe: boolean;
  private readonly ledger: RevertLedger;
  private readonly budget: RunBudget;

  /** Every revert, whatever its reason. */
  readonly onRevert: Event<RevertOutcome>;
  /** Fires once, when the emergency stop starts, with its reason. */
  readonly onEmergencyStop: Event<string>;

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
    const logger = options.logger?.child({ component: 'safety' });
    this.ledger = new RevertLedger({
      ...(options.emergencyBudgetMs === undefined ? {} : { emergencyBudgetMs: options.emergencyBudgetMs }),
      ...(logger ? { logger } : {}),
    });
    this.emergencyBudgetMs = this.ledger.emergencyBudgetMs;
    this.budget = new RunBudget(this.maxExperimentMs, this.maxRunMs);
    this.onRevert = this.ledger.onRevert;
    this.onEmergencyStop = this.ledger.onEmergencyStop;
    if (!this.safetyEnabled) {
      logger?.warn(
        'SAFETY DISABLED: CHAOS_SAFETY_ENABLED=false and allowUnsafe; environment and isolation are NOT checked',
      );
    }
  }

  /** Aborted when the emergency stop fires; hand it to everything long-running. */
  get signal(): AbortSignal {
    return this.ledger.signal;
  }

  /** The emergency stop has fired. */
  get stopped(): boolean {
    return this.ledger.stopped;
  }

  /** The pre-flight checks, without throwing (for `--dry-run`). See `preflightChecks`. */
  checks(): SafetyCheck[] {
    return preflightChecks(this.env, {
      isolated: this.isolated,
      allowUnsafe: this.allowUnsafe,
      maxExperimentMs: this.maxExperimentMs,
      maxRunMs: this.maxRunMs,
    });
  }

  /** Throws SafetyRefusedError (exit 3) listing every failed check, or when the emergency stop has fired. */
  assertSafe(): void {
    assertPreflight(this.checks(), this.stopped);
  }

  /**
   * Starts the clock of one experiment: its signal aborts after the smallest of `requestedMs`,
   * CHAOS_MAX_DURATION and what is left of the run limit. See `RunBudget.beginExperiment`.
   */
  beginExperiment(title: string, requestedMs?: number): ExperimentBudget {
    return this.budget.beginExperiment(title, requestedMs);
  }

  /**
   * Registers something to undo. Throws EmergencyStopError after the emergency stop (so nothing
   * new gets injected) and DuplicateRegistrationError for an id that is still active.
   */
  register(revertible: Revertible, options: RegisterOptions = {}): SafetyHandle {
    return this.ledger.register(revertible, options);
  }

  /** What is registered and not yet reverted, in registration order. */
  active(): Revertible[] {
    return this.ledger.active();
  }

  /** A pid registered (by the process supervisor) under this name, if any. */
  pidOf(name: string): number | undefined {
    return this.ledger.pidOf(name);
  }

  /**
   * Reverts everything in parallel and waits at most `emergencyBudgetMs`; aborts `signal`
   * first so injections in progress stop. Idempotent: later calls get the first report.
   */
  emergencyStop(reason: string): Promise<EmergencyStopReport> {
    return this.ledger.emergencyStop(reason);
  }

  /** Work to finish after the emergency stop and before the process exits (e.g. writing the journal). */
  addFinalizer(fn: () => Promise<void>): Disposable {
    return this.ledger.addFinalizer(fn);
  }

  /** Runs the finalizers in parallel, waiting at most `budgetMs`. */
  runFinalizers(budgetMs: number): Promise<void> {
    return this.ledger.runFinalizers(budgetMs);
  }
}
