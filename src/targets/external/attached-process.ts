import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { FaultableProcess } from '../../chaos/process/faultable-process.js';
import { tcpOpen } from '../../chaos/process/readiness.js';
import { TargetError } from '../target-errors.js';
import { splitAddress } from './split-address.js';

export interface AttachedProcessOptions {
  /** The instance's name. @example 'api-2' */
  name: string;
  /** Where it serves, `host:port`: it is ready again once this accepts a connection. */
  address: string;
  /** The file holding its pid (read whenever the pid is needed: it changes on restart). */
  pidFile: string;
  /** Starts it again after a kill; must exit 0 (e.g. `systemctl start api-2`), without a shell. */
  start: readonly string[];
  /** Where `start` runs (the target file's folder). */
  cwd: string;
  /** How long `start` and the wait for `address` may take together, in ms. */
  readyTimeoutMs: number;
}

/**
 * A user's instance that Faultline did not start but may hurt: found by its pid file, killed,
 * frozen and thawed with signals, started again with the user's `start` command. `close()` (the
 * harness's teardown) leaves it as it was found: thawed, and started again if a fault left it down.
 */
export class AttachedProcess implements FaultableProcess {
  private isClosed = false;
  private hurt = false;

  constructor(private readonly options: AttachedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** The pid in the pid file, if that process is alive (not a zombie); undefined otherwise. */
  get pid(): number | undefined {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.options.pidFile, 'utf8').trim(), 10);
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    try {
      process.kill(pid, 0);
    } catch (err) {
      // EPERM: alive, but not ours to signal (the kill will say so).
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
    }
    return procState(pid) === 'Z' ? undefined : pid;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Runs the `start` command unless it is running, then waits until `address` accepts. */
  async start(): Promise<void> {
    if (this.isClosed) throw new TargetError(`instance ${this.name}: the run is stopping, not starting it`);
    if (this.running) return;
    const deadline = performance.now() + this.options.readyTimeoutMs;
    await this.runStart(this.options.readyTimeoutMs);
    const [host, port] = splitAddress(this.options.address);
    while (!(await tcpOpen(host, port))) {
      if (performance.now() > deadline)
        throw new TargetError(
          `instance ${this.name}: not accepting connections at ${this.options.address} within ${this.options.readyTimeoutMs} ms of its start command`,
          { code: 'FL_TARGET_INSTANCE_DOWN' },
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    this.hurt = false;
  }

  async kill(): Promise<unknown> {
    return this.signalAndWait('SIGKILL', 5000);
  }

  async term(timeoutMs = 2000): Promise<unknown> {
    return this.signalAndWait('SIGTERM', timeoutMs, true);
  }

  async restart(graceMs = 2000): Promise<void> {
    if (!(await this.term(graceMs))) await this.kill();
    await this.start();
  }

  async freeze(timeoutMs = 1000): Promise<boolean> {
    const pid = this.pid;
    if (pid === undefined || !this.send(pid, 'SIGSTOP')) return false;
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const state = procState(pid);
      if (state === undefined || state === 'T' || state === 't') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  cont(): boolean {
    const pid = this.pid;
    return pid !== undefined && this.send(pid, 'SIGCONT');
  }

  /** Leaves it as found: thawed, and started again when a fault left it down. Never throws. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.cont();
    const down = this.hurt && !this.running;
    if (down) await this.start().catch(() => {});
    this.isClosed = true;
  }

  private send(pid: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw new TargetError(
        `instance ${this.name}: cannot send ${signal} to pid ${pid}: ${(err as Error).message}`,
      );
    }
    if (signal !== 'SIGCONT') this.hurt = true;
    return true;
  }

  /** Sends `signal` (and SIGCONT after it when `thaw`), then waits until the pid is gone: true if it went. */
  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number, thaw = false): Promise<boolean> {
    const pid = this.pid;
    if (pid === undefined || !this.send(pid, signal)) return true;
    if (thaw) this.send(pid, 'SIGCONT');
    const deadline = performance.now() + timeoutMs;
    while (alive(pid)) {
      if (performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  private runStart(timeoutMs: number): Promise<void> {
    const [command, ...args] = this.options.start;
    return new Promise((resolve, reject) => {
      const child = spawn(command as string, args, {
        cwd: this.options.cwd,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        stderr = (stderr + c).slice(-500);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new TargetError(`instance ${this.name}: start command failed: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else
          reject(
            new TargetError(
              `instance ${this.name}: start command exited with ${signal ?? code}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
            ),
          );
      });
    });
  }
}

/**
 * Whether the process still holds anything (its sockets): a zombie whose other threads are still
 * exiting does (the leader turns `Z` first; the shared file table goes with the last thread).
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (procState(pid) !== 'Z') return true;
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/** The state letter of /proc/<pid>/stat (R, S, T = stopped, Z = zombie), undefined if gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}
