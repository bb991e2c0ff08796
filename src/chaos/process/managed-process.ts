import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type Event, EventEmitter } from '../../common/event.js';
import { ProcessExitedError, ProcessNotReadyError, SupervisorClosedError } from './errors.js';
import { LogBuffer } from './log-buffer.js';
import { describeReadiness, readinessSchema, waitForReadiness } from './readiness.js';

/** How to run one child. Parsed once by the supervisor. */
export const processSpecSchema = z.object({
  /** Unique within a supervisor; faults name their target by it. @example 'api-1' */
  name: z.string().min(1),
  /** Executable (resolved on PATH). Use `process.execPath` for node scripts. */
  command: z.string().min(1),
  /** @default [] */
  args: z.array(z.string()).default([]),
  /** Extra environment, merged over ours unless `inherit_env` is false. */
  env: z.record(z.string(), z.string()).default({}),
  /** @default true */
  inherit_env: z.boolean().default(true),
  cwd: z.string().optional(),
  /** Run as this user id (e.g. Postgres refuses to run as root). */
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
  /** When to call the child ready; without it, ready as soon as it has spawned. */
  ready: readinessSchema.optional(),
  /** @default 10000 */
  ready_timeout_ms: z.number().int().positive().default(10_000),
  /** Lines of output kept (ring buffer). @default 1000 */
  log_lines: z.number().int().positive().default(1000),
  /** Time between SIGTERM and SIGKILL on shutdown. @default 2000 */
  kill_grace_ms: z.number().int().nonnegative().default(2000),
  /**
   * Put the child in its own process group and signal the whole group, so grandchildren
   * (shells, workers, forked servers) are frozen and killed with it. @default true
   */
  group: z.boolean().default(true),
});
export type ProcessSpec = z.input<typeof processSpecSchema>;
type ParsedSpec = z.output<typeof processSpecSchema>;

export interface ProcessExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type ProcessState = 'idle' | 'starting' | 'running' | 'frozen' | 'exited';

/** What the safety controller registers: reverting it terminates the child. */
export interface RevertibleProcess {
  readonly id: string;
  readonly kind: 'process';
  readonly name: string;
  /** The current pid (it changes on restart); undefined while not running. */
  readonly pid: number | undefined;
  revert(): Promise<void>;
}

let nextId = 1;

/**
 * One supervised child across restarts: the object (and its name, logs and listeners) stays
 * the same, the pid changes.
 */
export class ManagedProcess {
  readonly spec: ParsedSpec;
  readonly id = `process-${nextId++}`;
  readonly logs: LogBuffer;
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ProcessExit> | undefined;
  private currentState: ProcessState = 'idle';
  private isClosed = false;
  private lastExit: ProcessExit | undefined;
  private readonly exitEmitter = new EventEmitter<ProcessExit>();
  private readonly startEmitter = new EventEmitter<{ name: string; pid: number }>();
  /** Every exit of the child, expected or not. */
  readonly onExit: Event<ProcessExit> = this.exitEmitter.addListener;
  /** Every (re)start, once the child is ready. */
  readonly onStart: Event<{ name: string; pid: number }> = this.startEmitter.addListener;

  constructor(
    spec: ProcessSpec,
    private readonly logger?: Logger,
  ) {
    this.spec = processSpecSchema.parse(spec);
    this.logs = new LogBuffer(this.spec.log_lines);
  }

  get name(): string {
    return this.spec.name;
  }

  /** pid of the current incarnation; undefined before start and after exit. */
  get pid(): number | undefined {
    return this.currentState === 'exited' || this.currentState === 'idle' ? undefined : this.child?.pid;
  }

  get state(): ProcessState {
    return this.currentState;
  }

  get running(): boolean {
    return (
      this.currentState === 'running' || this.currentState === 'frozen' || this.currentState === 'starting'
    );
  }

  get exitInfo(): ProcessExit | undefined {
    return this.lastExit;
  }

  /** true once `close()` was called (the supervisor stopped): `start()` refuses. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Shut down for good: later `start()`/`restart()` calls reject with SupervisorClosedError. */
  async close(graceMs?: number): Promise<void> {
    this.isClosed = true;
    await this.shutdown(graceMs);
  }

  /**
   * Spawn and wait until ready. Rejects (and kills the child) if it exits or times out first.
   * Concurrent calls share one start; a call while it runs resolves at once.
   */
  start(): Promise<void> {
    if (this.isClosed) return Promise.reject(new SupervisorClosedError());
    if (this.starting) return this.starting;
    if (this.running) return Promise.resolve();
    this.starting = this.spawnAndWait().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private starting: Promise<void> | undefined;

  private async spawnAndWait(): Promise<void> {
    const spec = this.spec;
    this.currentState = 'starting';
    // This start's output is its own generation: readiness must not match the previous
    // run's lines, which stay in the buffer for diagnostics.
    const generation = this.logs.beginGeneration();
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.inherit_env ? { ...process.env, ...spec.env } : spec.env,
      uid: spec.uid,
      gid: spec.gid,
      detached: spec.group,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (c: string) => this.logs.write('stdout', c, generation));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => this.logs.write('stderr', c, generation));
    // Output can still arrive between 'exit' and 'close': flush its last partial line too.
    child.once('close', () => this.logs.end(generation));
    this.exitPromise = new Promise<ProcessExit>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        const info: ProcessExit = { name: spec.name, pid: child.pid ?? -1, code, signal };
        if (this.child === child) {
          this.currentState = 'exited';
          this.lastExit = info;
        }
        this.logs.end(generation);
        this.logger?.info(
          { component: 'process', process: spec.name, pid: info.pid, code, signal },
          'exited',
        );
        this.exitEmitter.emit(info);
        resolve(info);
      };
      child.once('exit', finish);
      // spawn failure (ENOENT, EACCES): no 'exit' follows.
      child.once('error', (err) => {
        this.logs.write('stderr', `spawn error: ${err.message}\n`, generation);
        if (child.pid === undefined) finish(null, null);
      });
    });
    const exited = this.exitPromise;

    const controller = new AbortController();
    const what = spec.ready ? describeReadiness(spec.ready) : 'spawn';
    const timer = setTimeout(
      () =>
        controller.abort(
          new ProcessNotReadyError(
            spec.name,
            what,
            spec.ready_timeout_ms,
            this.logs.tail(undefined, generation),
          ),
        ),
      spec.ready_timeout_ms,
    );
    // On exit, wait for its last output (stdio closes after 'exit') so the error can show it;
    // not forever, since a grandchild may hold the pipes open.
    const stdioClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const died = exited.then(async (e): Promise<never> => {
      await Promise.race([stdioClosed, sleep(100)]);
      const err = new ProcessExitedError(spec.name, e.code, e.signal, this.logs.tail(undefined, generation));
      controller.abort(err);
      throw err;
    });
    died.catch(() => {}); // observed below while starting; later deaths are onExit's business
    try {
      const ready = spec.ready
        ? waitForReadiness(spec.ready, this.logs, controller.signal, generation)
        : once(child, 'spawn', { signal: controller.signal });
      await Promise.race([ready, died]);
      if (this.currentState !== 'starting') await died; // exited right after passing the check
    } catch (err) {
      await this.shutdown(0);
      // A spawn failure (ENOENT) surfaces first as the raw error: report it as an exit, with output.
      await died.catch(() => {});
      throw controller.signal.aborted ? controller.signal.reason : err;
    } finally {
      clearTimeout(timer);
    }
    this.currentState = 'running';
    this.logger?.info({ component: 'process', process: spec.name, pid: child.pid }, 'ready');
    this.startEmitter.emit({ name: spec.name, pid: child.pid ?? -1 });
  }

  /** Send a signal to the child (its whole group when `group`). false if it was not running. */
  signal(sig: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || this.currentState === 'exited' || this.currentState === 'idle') return false;
    try {
      process.kill(this.spec.group ? -pid : pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
    if (sig === 'SIGSTOP') this.currentState = 'frozen';
    else if (sig === 'SIGCONT' && this.currentState === 'frozen') this.currentState = 'running';
    return true;
  }

  /** Resolves with the current incarnation's exit (immediately if it already exited). */
  async waitForExit(timeoutMs?: number): Promise<ProcessExit | undefined> {
    if (!this.exitPromise) return undefined;
    if (timeoutMs === undefined) return this.exitPromise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.exitPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ProcessExit | undefined> {
    this.signal('SIGKILL');
    const exit = await this.waitForExit();
    this.reapGroup();
    return exit;
  }

  /** SIGTERM (and SIGCONT, so a frozen child can act on it) and wait for the exit, without escalating. */
  async term(timeoutMs = this.spec.kill_grace_ms): Promise<ProcessExit | undefined> {
    if (this.signal('SIGTERM')) this.signal('SIGCONT');
    return this.waitForExit(timeoutMs);
  }

  /** Freeze (SIGSTOP). */
  stop(): boolean {
    return this.signal('SIGSTOP');
  }

  /**
   * SIGSTOP and wait (up to `timeoutMs`) until the kernel reports the child stopped, since
   * signal delivery is asynchronous. false if it was not running.
   */
  async freeze(timeoutMs = 1000): Promise<boolean> {
    if (!this.signal('SIGSTOP')) return false;
    const pid = this.child?.pid;
    const deadline = performance.now() + timeoutMs;
    while (pid !== undefined && performance.now() < deadline) {
      const state = await readProcState(pid);
      if (state === undefined || state === 'T' || state === 't') break;
      await sleep(5);
    }
    return true;
  }

  /** Thaw (SIGCONT). */
  cont(): boolean {
    return this.signal('SIGCONT');
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs` if still alive; idempotent, never throws for a
   * child that is already gone. Leftover members of its process group are killed too.
   */
  async shutdown(graceMs = this.spec.kill_grace_ms): Promise<void> {
    if (!this.exitPromise) return;
    if (this.running) {
      const exit = graceMs > 0 ? await this.term(graceMs) : undefined;
      if (!exit) await this.kill();
    }
    await this.exitPromise;
    this.reapGroup();
  }

  /** Shut down (graceful) and start again with the same spec; the pid changes. */
  async restart(graceMs = this.spec.kill_grace_ms): Promise<void> {
    await this.shutdown(graceMs);
    await this.start();
  }

  /** The shape the safety controller registers: revert = shut down. */
  asRevertible(): RevertibleProcess {
    const self = this;
    return {
      id: this.id,
      kind: 'process',
      name: this.name,
      get pid() {
        return self.pid;
      },
      revert: () => this.shutdown(),
    };
  }

  /** Synchronous last resort (process 'exit' hook): SIGKILL the child's group. */
  killSync(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.currentState === 'exited' || this.currentState === 'idle') return;
    try {
      process.kill(this.spec.group ? -pid : pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private reapGroup(): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.spec.group) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: no member of the group is left, as it should be.
    }
  }
}

/** The state letter of /proc/<pid>/stat (R, S, T = stopped, Z = zombie), undefined if gone. */
async function readProcState(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}
