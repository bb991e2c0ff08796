import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { delay } from '../../common/async.js';
import { FaultlineError } from '../../common/errors.js';
import { freePort as osFreePort, ProcessSupervisor } from '../process/index.js';
import { type ManagedEtcd, startEtcd } from './managed-etcd.js';
import { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { PostgresNode } from './postgres-node.js';

export interface Address {
  host: string;
  port: number;
}

export interface PostgresClusterOptions {
  /** Standbys cloned from the first node. @default 1 */
  standbys?: number;
  /** Start an etcd member beside the nodes. @default true */
  etcd?: boolean;
  /** Supervisor to run the processes under (e.g. the scenario's, registered with safety). @default a new one */
  supervisor?: ProcessSupervisor;
  /** Parent of the cluster's own temp dir. @default os.tmpdir() */
  tmpDir?: string;
  /** @default an OS-chosen free port */
  freePort?: () => Promise<number>;
  /**
   * The address a standby replicates from, given the primary's own: return a fault proxy's
   * listen address to put the replication link through it. @default the primary itself
   */
  replicationVia?: (standby: string, primary: PostgresNode) => Promise<Address> | Address;
  /** Names of the nodes, in order (first = initial primary). @default pg-a, pg-b, … */
  names?: string[];
  binaries?: PostgresBinaries;
}

export class ClusterUnavailableError extends FaultlineError {
  constructor(reason: string) {
    super('FL_CLUSTER_UNAVAILABLE', reason);
  }
}

/**
 * A throw-away Postgres cluster for tests, the suite and benchmarks: a primary, streaming
 * standbys cloned from it, and an etcd member, all on free loopback ports, in one temp dir.
 * Everything is removed by `close()`, by the safety controller's emergency stop (register
 * `asRevertible()`), and, as a last resort, when this Node process exits (children killed by
 * the supervisor's exit hook, then the directory removed).
 *
 * Synchronous replication and failover are not set up here: the failover managers do that.
 */
export class PostgresCluster {
  readonly nodes: PostgresNode[] = [];
  etcd: ManagedEtcd | undefined;
  readonly supervisor: ProcessSupervisor;
  readonly dir: string;
  private closing: Promise<void> | undefined;
  private readonly ownsSupervisor: boolean;
  private readonly exitHook = () => {
    try {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort while exiting
    }
  };

  private constructor(
    private readonly options: PostgresClusterOptions,
    readonly binaries: PostgresBinaries,
  ) {
    this.ownsSupervisor = options.supervisor === undefined;
    this.supervisor = options.supervisor ?? new ProcessSupervisor();
    this.dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'faultline-pgcluster-'));
    if (binaries.user) {
      chownSync(this.dir, binaries.user.uid, binaries.user.gid);
      // The postgres user must be able to pass through a private parent (a scenario's 0700 temp dir).
      if (options.tmpDir) chmodSync(options.tmpDir, statSync(options.tmpDir).mode | 0o111);
    }
    process.on('exit', this.exitHook);
  }

  /** Starts the whole cluster; on any failure, removes what was started and rethrows. */
  static async start(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
    const found = options.binaries ?? findPostgresBinaries();
    if ('missing' in found) throw new ClusterUnavailableError(found.missing);
    const cluster = new PostgresCluster(options, found);
    try {
      await cluster.boot();
      return cluster;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  private freePort(): Promise<number> {
    return this.options.freePort ? this.options.freePort() : osFreePort();
  }

  private async boot(): Promise<void> {
    const count = 1 + (this.options.standbys ?? 1);
    const names =
      this.options.names ?? Array.from({ length: count }, (_, i) => `pg-${String.fromCharCode(97 + i)}`);
    if (this.options.etcd ?? true) {
      this.etcd = await startEtcd(this.supervisor, {
        name: 'etcd',
        dir: join(this.dir, 'etcd'),
        freePort: () => this.freePort(),
      });
    }
    for (const name of names.slice(0, count)) {
      this.nodes.push(
        new PostgresNode({
          name,
          dir: join(this.dir, name),
          port: await this.freePort(),
          binaries: this.binaries,
          supervisor: this.supervisor,
        }),
      );
    }
    const [primary, ...standbys] = this.nodes as [PostgresNode, ...PostgresNode[]];
    await primary.initPrimary();
    await primary.start();
    for (const standby of standbys) {
      await standby.cloneFrom(await this.replicationSource(standby.name, primary));
      await standby.start();
    }
    if (standbys.length > 0)
      await this.waitForStreaming(
        primary,
        standbys.map((s) => s.name),
      );
  }

  /**
   * Waits until the primary reports every named standby as `streaming` in `pg_stat_replication`.
   * A standby that accepts read-only connections may still be catching up or connecting its WAL
   * receiver; callers of `start()` are promised streaming replication, not just running servers.
   * @throws ClusterUnavailableError after `timeoutMs` (default 30 000 ms), naming the laggards.
   */
  private async waitForStreaming(primary: PostgresNode, names: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let streaming = new Set<string>();
    while (Date.now() < deadline) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: primary.port,
        user: 'postgres',
        database: 'postgres',
      });
      client.on('error', () => {}); // a dying connection must not become an uncaught error
      try {
        await client.connect();
        const { rows } = await client.query<{ application_name: string }>(
          "select application_name from pg_stat_replication where state = 'streaming'",
        );
        streaming = new Set(rows.map((r) => r.application_name));
        if (names.every((n) => streaming.has(n))) return;
      } catch {
        // not accepting yet: try again until the deadline
      } finally {
        await client.end().catch(() => {});
      }
      await delay(100);
    }
    const missing = names.filter((n) => !streaming.has(n));
    throw new ClusterUnavailableError(`standbys not streaming after ${timeoutMs} ms: ${missing.join(', ')}`);
  }

  /** Where `standby` replicates from when `primary` leads. */
  async replicationSource(standby: string, primary: PostgresNode): Promise<Address> {
    return this.options.replicationVia
      ? this.options.replicationVia(standby, primary)
      : { host: '127.0.0.1', port: primary.port };
  }

  node(name: string): PostgresNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new ClusterUnavailableError(`no node named ${name}`);
    return node;
  }

  /** Rebuilds `name` (an old primary, fenced or dead) as a standby of `primary`. */
  async rejoin(name: string, primary: string): Promise<void> {
    const node = this.node(name);
    await node.rebuildFrom(await this.replicationSource(name, this.node(primary)));
  }

  /** Stops every process and removes the directory. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.ownsSupervisor) await this.supervisor.stopAll(2000);
      else {
        await Promise.all([
          ...this.nodes.map((n) => this.supervisor.remove(n.name, 2000)),
          this.etcd ? this.supervisor.remove('etcd', 1000) : undefined,
        ]);
      }
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      process.off('exit', this.exitHook);
    })();
    return this.closing;
  }

  /** For the safety controller: reverting it closes the cluster. */
  asRevertible(): { id: string; kind: 'process'; name: string; revert(): Promise<void> } {
    return {
      id: `postgres-cluster:${this.dir}`,
      kind: 'process',
      name: 'postgres cluster',
      revert: () => this.close(),
    };
  }
}
