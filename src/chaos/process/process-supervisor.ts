import type { Logger } from 'pino';
import { type Event, EventEmitter } from '../../common/event.js';
import { ProcessNameError, SupervisorClosedError } from './errors.js';
import type { FaultableProcess } from './faultable-process.js';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';

export interface ProcessSupervisorOptions {
  logger?: Logger;
  /**
   * SIGKILL every child's process group synchronously if this Node process exits without
   * calling `stopAll()` (a crash, `process.exit`), so no child outlives us. @default true
   */
  killOnExit?: boolean;
}

/** Looks up processes by name (supervised children, or attached ones); what faults need from the supervisor. */
export interface ProcessLookup {
  get(name: string): FaultableProcess | undefined;
  names(): string[];
}

/**
 * Spawns and tracks the engine's child processes (services under test, Postgres, Redis…)
 * by name, and tears them all down on `stopAll()` — the safety controller's emergency stop.
 */
export class ProcessSupervisor implements ProcessLookup {
  private readonly children = new Map<string, ManagedProcess>();
  private stopping: Promise<void> | undefined;
  private readonly spawnEmitter = new EventEmitter<ManagedProcess>();
  /**
   * Every child as soon as it is spawned (before it is ready), so the safety controller can
   * register `child.asRevertible()` and an emergency stop during startup still kills it.
   */
  readonly onSpawn: Event<ManagedProcess> = this.spawnEmitter.addListener;
  private readonly exitHook = () => {
    for (const child of this.children.values()) child.killSync();
  };

  constructor(private readonly options: ProcessSupervisorOptions = {}) {
    if (options.killOnExit !== false) process.on('exit', this.exitHook);
  }

  /** Spawn a child and wait until it is ready. The name must be unused. */
  async spawn(spec: ProcessSpec): Promise<ManagedProcess> {
    if (this.stopping) throw new SupervisorClosedError();
    if (this.children.has(spec.name)) {
      throw new ProcessNameError('FL_PROCESS_NAME_TAKEN', `a process named "${spec.name}" already exists`);
    }
    const child = new ManagedProcess(spec, this.options.logger);
    this.children.set(child.name, child);
    this.spawnEmitter.emit(child);
    try {
      await child.start();
    } catch (err) {
      this.children.delete(child.name);
      throw err;
    }
    return child;
  }

  get(name: string): ManagedProcess | undefined {
    return this.children.get(name);
  }

  /** The pid of the child of this name while it runs (undefined when unknown or not running). */
  pidOf(name: string): number | undefined {
    return this.children.get(name)?.pid;
  }

  /** Like `get`, but throws a typed error naming the known processes. */
  require(name: string): ManagedProcess {
    const child = this.children.get(name);
    if (!child) {
      throw new ProcessNameError(
        'FL_PROCESS_UNKNOWN',
        `no process named "${name}" (known: ${this.names().join(', ') || 'none'})`,
      );
    }
    return child;
  }

  names(): string[] {
    return [...this.children.keys()];
  }

  list(): ManagedProcess[] {
    return [...this.children.values()];
  }

  /** Shut one child down and forget it. */
  async remove(name: string, graceMs?: number): Promise<void> {
    const child = this.children.get(name);
    if (!child) return;
    await child.shutdown(graceMs);
    this.children.delete(name);
  }

  /** The whole supervisor as one revertible for the safety controller: revert = `stopAll(graceMs)`. */
  asRevertible(graceMs?: number): { id: string; kind: 'process'; name: string; revert(): Promise<void> } {
    return {
      id: 'process-supervisor',
      kind: 'process',
      name: 'all spawned processes',
      revert: () => this.stopAll(graceMs),
    };
  }

  /**
   * Terminate every child: SIGTERM (+SIGCONT for frozen ones) to all at once, SIGKILL to any
   * still alive after `graceMs`. Idempotent: concurrent and repeated calls share one stop.
   * The supervisor refuses new children afterwards, and its children refuse to restart (so
   * a fault's revert racing an emergency stop cannot bring one back).
   */
  stopAll(graceMs?: number): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.list().map((child) => child.close(graceMs)));
      process.off('exit', this.exitHook);
    })();
    return this.stopping;
  }
}
