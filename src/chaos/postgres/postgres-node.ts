import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ManagedProcess, ProcessSupervisor } from '../process/index.js';
import type { PostgresBinaries } from './postgres-binaries.js';

const run = promisify(execFile);

/** Settings every node runs with (on the command line, so ALTER SYSTEM stays free for the failover manager's). */
const SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  hot_standby: 'on',
  hot_standby_feedback: 'on',
  wal_log_hints: 'on',
  max_connections: '60',
  shared_buffers: '16MB',
  // Processes are killed, the machine is not: the OS keeps what was written. Skipping fsync
  // keeps a busy shared machine responsive without changing what a kill -9 loses.
  fsync: 'off',
  full_page_writes: 'off',
  wal_sender_timeout: '3s',
  wal_receiver_timeout: '3s',
  wal_receiver_status_interval: '1s',
  wal_retrieve_retry_interval: '200ms',
  logging_collector: 'off',
  log_min_messages: 'warning',
};

export interface PostgresNodeOptions {
  /** Process name in the supervisor, also the node's `application_name` as a standby. @example 'pg-a' */
  name: string;
  /** A directory of this node's own (data dir and socket go inside). */
  dir: string;
  port: number;
  binaries: PostgresBinaries;
  supervisor: ProcessSupervisor;
}

/**
 * One Postgres server under the process supervisor: created as a primary (`initdb`) or cloned
 * as a streaming standby of another node (`pg_basebackup`), run in the foreground in its own
 * process group (so kill -9 takes the postmaster and every backend), and rebuilt as a standby
 * of a new primary after a failover.
 */
export class PostgresNode {
  readonly name: string;
  readonly port: number;
  private readonly data: string;
  private proc: ManagedProcess | undefined;

  constructor(private readonly options: PostgresNodeOptions) {
    this.name = options.name;
    this.port = options.port;
    this.data = join(options.dir, 'data');
    mkdirSync(options.dir, { recursive: true });
    this.own(options.dir);
  }

  /** The supervised process (it keeps its name across restarts). */
  get process(): ManagedProcess | undefined {
    return this.proc;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates an empty primary. */
  async initPrimary(): Promise<void> {
    await this.exec('initdb', ['-D', this.data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  }

  /**
   * Clones `source` (host:port of a primary, or of a proxy in front of it) and configures this
   * node as its standby, reporting `application_name` = this node's name (what
   * `synchronous_standby_names` lists).
   */
  async cloneFrom(source: { host: string; port: number }): Promise<void> {
    rmSync(this.data, { recursive: true, force: true });
    await this.exec('pg_basebackup', [
      '-h',
      source.host,
      '-p',
      String(source.port),
      '-U',
      'postgres',
      '-D',
      this.data,
      '-X',
      'stream',
      '-c',
      'fast',
      // Status packets more often than the sender's 3 s timeout, so a slow clone is not cut.
      '-s',
      '1',
      '--no-sync',
    ]);
    this.follow(source);
  }

  /** Points this (stopped) standby's replication at `source`. */
  follow(source: { host: string; port: number }): void {
    writeFileSync(join(this.data, 'standby.signal'), '');
    const conninfo = `host=${source.host} port=${source.port} user=postgres application_name=${this.name}`;
    writeFileSync(
      join(this.data, 'faultline-standby.conf'),
      `primary_conninfo = '${conninfo}'\nrecovery_target_timeline = 'latest'\n`,
    );
    this.own(this.data);
  }

  /** Starts the server (or restarts the supervised process) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.proc) {
      await this.proc.start();
      return;
    }
    const args = ['-D', this.data, '-p', String(this.port), '-k', this.options.dir];
    for (const [k, v] of Object.entries(SERVER_SETTINGS)) args.push('-c', `${k}=${v}`);
    // The standby settings live in their own file, included from postgresql.conf.
    const conf = join(this.data, 'postgresql.conf');
    const include = "include_if_exists = 'faultline-standby.conf'";
    if (!readFileSync(conf, 'utf8').includes(include)) appendFileSync(conf, `\n${include}\n`);
    this.proc = await this.options.supervisor.spawn({
      name: this.name,
      command: join(this.options.binaries.bin, 'postgres'),
      args,
      ...(this.options.binaries.user ?? {}),
      ready: { type: 'log', pattern: /database system is ready to accept (read-only )?connections/ },
      ready_timeout_ms: 30_000,
      kill_grace_ms: 3000,
    });
  }

  /** kill -9 of the postmaster and every backend (its process group). */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** Fast shutdown (SIGINT: abort transactions, checkpoint, exit). */
  async stop(): Promise<void> {
    if (!this.proc?.running) return;
    this.proc.signal('SIGINT');
    const exited = await this.proc.waitForExit(10_000);
    if (!exited) await this.proc.kill();
  }

  /**
   * Makes a stopped old primary a standby of `source` again, by a fresh clone (so whatever it
   * committed locally and never replicated is discarded: no divergent row survives).
   */
  async rebuildFrom(source: { host: string; port: number }): Promise<void> {
    await this.stop();
    await this.cloneFrom(source);
    await this.start();
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const user = this.options.binaries.user;
    try {
      await run(join(this.options.binaries.bin, program), args, {
        ...(user ?? {}),
        cwd: this.options.dir,
        timeout: 60_000,
        maxBuffer: 4 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${program} for ${this.name} failed: ${(e.stderr || e.message).trim().slice(-500)}`, {
        cause: err,
      });
    }
  }

  private own(path: string): void {
    const user = this.options.binaries.user;
    if (!user) return;
    try {
      chownSync(path, user.uid, user.gid);
    } catch {
      // not there yet
    }
  }
}
