/**
 * What the `process.*` faults (kill, freeze, term, restart) and pid lookups need of a process.
 * `ManagedProcess` (a child Faultline spawned) has all of it; a process Faultline only attached to
 * (an external target's instance, found by pid, started again by the user's command) implements
 * it with signals and that command.
 */
export interface FaultableProcess {
  /** Its name; faults name their target by it. @example 'api-1' */
  readonly name: string;
  /** Its current pid; undefined while it is not running (it changes on restart). */
  readonly pid: number | undefined;
  /** Running, starting or frozen. */
  readonly running: boolean;
  /** Closed for good (the run is stopping): `start()` must not bring it back. */
  readonly closed: boolean;
  /** Start it (again) and resolve once it is ready; a no-op while it runs. */
  start(): Promise<void>;
  /** SIGKILL, and resolve once it is gone. */
  kill(): Promise<unknown>;
  /** SIGTERM (and SIGCONT), and resolve once it is gone or after `timeoutMs`, without escalating. */
  term(timeoutMs?: number): Promise<unknown>;
  /** Stop it (SIGTERM, then SIGKILL after `graceMs`) and start it again. */
  restart(graceMs?: number): Promise<void>;
  /** SIGSTOP; false if it was not running. */
  freeze(timeoutMs?: number): Promise<boolean>;
  /** SIGCONT; false if it was not running. */
  cont(): boolean;
}
