import pg from 'pg';
import type { Logger } from 'pino';
import { type Event, EventEmitter } from '../../common/event.js';
import {
  FencedNodeError,
  NoPrimaryError,
  NoStandbyError,
  RouterClosedError,
  StaleFencingTokenError,
  WriteOutcomeUnknownError,
  WriteTimeoutError,
} from './db-errors.js';
import { FENCE_TABLE } from './fence-node.js';
import { claimKey, createIdempotencyTable, storeResult } from './idempotency.js';
import { LagTracker } from './lag-tracker.js';
import type { LeaseStore } from './lease-store.js';
import { lsnBytesBehind } from './lsn.js';
import { clientConfigOf, type DbNode } from './node-config.js';
import { type NodeStatus, queryNodeStatus } from './node-health.js';
import {
  type DatabaseRouterConfig,
  databaseRouterSchema,
  type ParsedDatabaseRouterConfig,
} from './router-config.js';

/** What the router knows of one node after its last health round. */
export interface NodeView {
  name: string;
  /** Answered the last health query. */
  up: boolean;
  status?: NodeStatus;
  /** Standby lag behind the primary, ms and bytes (undefined on the primary or while unknown). */
  lagMs?: number;
  lagBytes?: number;
}

/** The primary writes go to: the lease holder (with a lease store) or the one writable node. */
export interface PrimaryChange {
  node: string | undefined;
  token: bigint | undefined;
  at: number;
}

/** A write attempt a node refused, reported so a caller can count every refusal of a fenced node. */
export interface WriteRejection {
  node: string;
  /** `FL_DB_FENCED`, `FL_DB_STALE_TOKEN`, or the SQLSTATE / errno of a lost connection. */
  code: string;
  at: number;
}

export interface WriteOptions {
  /** Applied once however often the write is retried (stored with the write in one transaction). */
  idempotencyKey?: string;
  /** Deadline of this write, ms. @default the router's write_timeout_ms */
  timeoutMs?: number;
}

export interface WriteResult<T> {
  value: T;
  /** The node that acknowledged it. */
  node: string;
  attempts: number;
  /** true: an earlier attempt had applied it; `value` is its stored result. */
  replayed: boolean;
}

export interface RouterStats {
  writes: number;
  writeAttempts: number;
  replayed: number;
  rejected: number;
  reads: Record<string, number>;
}

const RETRYABLE_SQLSTATES = new Set(['25006', '57P01', '57P02', '57P03', '40001', '53300']);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function codeOf(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return 'ERR';
}

/** A lost connection or a node that refuses writes for now: another attempt may succeed. */
function isRetryable(err: unknown): boolean {
  if (err instanceof FencedNodeError || err instanceof StaleFencingTokenError) return true;
  if (err instanceof NoPrimaryError) return true;
  const code = codeOf(err);
  if (RETRYABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  if (code.startsWith('E')) return true; // ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT…
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|timeout exceeded|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * Routes queries over a Postgres cluster: writes to the primary, reads to standbys within a
 * replication-lag bound. This is libpq's `target_session_attrs` (`read-write`,
 * `prefer-standby`), which node-postgres lacks, plus what a failover needs:
 *
 * - With a `LeaseStore`, the primary is the node holding the leader lease and marked ready;
 *   a health round confirms it is out of recovery and not read-only. Without one, it is the
 *   only node that is writable (two writable nodes: no writes).
 * - A write runs in one transaction on the primary, checks the node's fencing token (a node
 *   serving an older leadership is refused), and, with an idempotency key, claims the key in
 *   the same transaction. Lost connections and refusals are retried against the (new) primary
 *   until the write's deadline; an attempt that passes its own deadline has its connection
 *   dropped, never cancelled (a cancelled wait for synchronous replication commits locally).
 * - Reads go round robin to standbys whose lag is within `max_replica_lag_ms` and
 *   `max_replica_lag_bytes`, else (prefer-standby) to the primary.
 */
export class DatabaseRouter {
  readonly config: ParsedDatabaseRouterConfig;
  private readonly pools = new Map<string, pg.Pool>();
  private readonly healthClients = new Map<string, pg.Client>();
  private readonly views = new Map<string, NodeView>();
  private readonly lag = new LagTracker();
  private current: { node: string; token: bigint | undefined } | undefined;
  private leaderNode: { node: string; token: bigint } | undefined;
  private readonly primaryEmitter = new EventEmitter<PrimaryChange>();
  private readonly rejectEmitter = new EventEmitter<WriteRejection>();
  /** The node writes go to changed (undefined: none for now). */
  readonly onPrimaryChange: Event<PrimaryChange> = this.primaryEmitter.addListener;
  /** A node refused a write attempt or lost it. */
  readonly onWriteRejected: Event<WriteRejection> = this.rejectEmitter.addListener;
  private healthTimer: NodeJS.Timeout | undefined;
  private leaderTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readIndex = 0;
  private readonly counters: RouterStats = {
    writes: 0,
    writeAttempts: 0,
    replayed: 0,
    rejected: 0,
    reads: {},
  };

  constructor(
    config: DatabaseRouterConfig,
    private readonly leases?: LeaseStore,
    private readonly logger?: Logger,
  ) {
    this.config = databaseRouterSchema.parse(config);
    for (const node of this.config.nodes) {
      const pool = new pg.Pool({
        ...clientConfigOf(node, this.config.application_name),
        max: this.config.pool_size,
        idleTimeoutMillis: 10_000,
      });
      pool.on('error', () => {}); // an idle connection to a dead node: the next use finds out
      // A session a fence terminates reports FATAL as an 'error' event even after it was
      // released; the query that used it has already failed, so the event itself is ignored.
      pool.on('connect', (client) => client.on('error', () => {}));
      this.pools.set(node.name, pool);
      this.views.set(node.name, { name: node.name, up: false });
    }
  }

  /** Runs the first health round (and leader read), then keeps both going. */
  async start(): Promise<void> {
    await Promise.all([this.healthRound(), this.pollLeader()]);
    this.resolvePrimary();
    const loopHealth = () => {
      this.healthTimer = setTimeout(() => {
        void this.healthRound().finally(() => {
          if (!this.closed) loopHealth();
        });
      }, this.config.health_interval_ms);
    };
    loopHealth();
    if (this.leases) {
      const loopLeader = () => {
        this.leaderTimer = setTimeout(() => {
          void this.pollLeader().finally(() => {
            if (!this.closed) loopLeader();
          });
        }, this.config.leader_poll_ms);
      };
      loopLeader();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.healthTimer);
    clearTimeout(this.leaderTimer);
    await Promise.all([
      ...[...this.pools.values()].map((p) => p.end().catch(() => {})),
      ...[...this.healthClients.values()].map((c) => c.end().catch(() => {})),
    ]);
  }

  /** The node writes go to now, if any. */
  get primary(): string | undefined {
    return this.current?.node;
  }

  /** Every node as of the last health round. */
  nodes(): NodeView[] {
    return [...this.views.values()].map((v) => ({ ...v }));
  }

  stats(): RouterStats {
    return { ...this.counters, reads: { ...this.counters.reads } };
  }

  /**
   * Runs `fn` in a transaction on the primary and commits it; retried on lost connections and
   * refusals until the deadline. With `idempotencyKey`, applied at most once whatever happens.
   */
  async write<T>(
    fn: (client: pg.ClientBase) => Promise<T>,
    options: WriteOptions = {},
  ): Promise<WriteResult<T>> {
    if (this.closed) throw new RouterClosedError();
    const deadline = performance.now() + (options.timeoutMs ?? this.config.write_timeout_ms);
    let attempts = 0;
    let lastError: unknown;
    this.counters.writes++;
    while (performance.now() < deadline) {
      const target = this.current;
      if (!target) {
        lastError = new NoPrimaryError();
        await this.waitForPrimary(deadline);
        continue;
      }
      attempts++;
      this.counters.writeAttempts++;
      const phase = { committing: false };
      try {
        const result = await this.attempt(target, fn, options.idempotencyKey, phase, deadline);
        if (result.replayed) this.counters.replayed++;
        return { ...result, node: target.node, attempts };
      } catch (err) {
        lastError = err;
        this.counters.rejected++;
        this.rejectEmitter.emit({
          node: target.node,
          code:
            err instanceof FencedNodeError || err instanceof StaleFencingTokenError ? err.code : codeOf(err),
          at: performance.now(),
        });
        if (!isRetryable(err)) throw err;
        if (phase.committing && options.idempotencyKey === undefined && !this.config.retry_unkeyed_writes) {
          throw new WriteOutcomeUnknownError(target.node, { cause: err });
        }
        if (err instanceof FencedNodeError || err instanceof StaleFencingTokenError) {
          // This node serves no current leadership: stop sending writes there until the next leader read.
          if (this.current?.node === target.node) this.setPrimary(undefined);
          void this.pollLeader().then(() => this.resolvePrimary());
        }
        await sleep(this.config.retry_delay_ms);
      }
    }
    throw new WriteTimeoutError(attempts, { cause: lastError });
  }

  /** A read-only query where `read_preference` says, within the lag bound. */
  async read<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R> & { node: string }> {
    if (this.closed) throw new RouterClosedError();
    const candidates = this.readTargets();
    let lastError: unknown = candidates.length === 0 ? this.noReadTarget() : undefined;
    for (const node of candidates) {
      const pool = this.pools.get(node) as pg.Pool;
      try {
        const result = await withDeadline(
          pool.query<R>({ text, values }),
          this.config.read_timeout_ms,
          `read on ${node}`,
        );
        this.counters.reads[node] = (this.counters.reads[node] ?? 0) + 1;
        return Object.assign(result, { node });
      } catch (err) {
        lastError = err;
        if (!isRetryable(err)) throw err;
      }
    }
    throw lastError;
  }

  /** Creates the router's tables (idempotency keys, fencing token) on the primary. */
  async ensureSchema(): Promise<void> {
    await this.write(async (client) => {
      await createIdempotencyTable(client);
      await client.query(`create table if not exists ${FENCE_TABLE} (
        id int primary key check (id = 1), token bigint not null)`);
    });
  }

  private noReadTarget(): Error {
    return this.config.read_preference === 'primary' ? new NoPrimaryError() : new NoStandbyError();
  }

  /** Standbys within the bound, rotated, then the primary when the preference allows it. */
  private readTargets(): string[] {
    const primary = this.current?.node;
    if (this.config.read_preference === 'primary') return primary ? [primary] : [];
    const fresh = [...this.views.values()]
      .filter(
        (v) =>
          v.up &&
          v.status?.inRecovery === true &&
          v.lagMs !== undefined &&
          v.lagMs <= this.config.max_replica_lag_ms &&
          (v.lagBytes ?? 0) <= this.config.max_replica_lag_bytes,
      )
      .map((v) => v.name);
    const start = this.readIndex++ % Math.max(1, fresh.length);
    const rotated = [...fresh.slice(start), ...fresh.slice(0, start)];
    if (this.config.read_preference === 'prefer-standby' && primary) rotated.push(primary);
    return rotated;
  }

  private async attempt<T>(
    target: { node: string; token: bigint | undefined },
    fn: (client: pg.ClientBase) => Promise<T>,
    key: string | undefined,
    phase: { committing: boolean },
    writeDeadline: number,
  ): Promise<{ value: T; replayed: boolean }> {
    const pool = this.pools.get(target.node) as pg.Pool;
    const budget = Math.max(1, Math.min(this.config.attempt_timeout_ms, writeDeadline - performance.now()));
    // The pool's connect timeout (the node's connect_timeout_ms) bounds this wait.
    const client = await pool.connect();
    let ambiguous: string | undefined;
    const onNotice = (notice: { message?: string }) => {
      // A wait for synchronous replication that was cut short commits locally without the
      // standby: never report that as acknowledged.
      if (/synchronous replication/i.test(notice.message ?? '')) ambiguous = notice.message;
    };
    const onError = (err: unknown) => {
      broken ??= err; // the connection died while checked out; the running query rejects too
    };
    client.on('notice', onNotice);
    client.on('error', onError);
    let broken: unknown;
    const run = async (): Promise<{ value: T; replayed: boolean }> => {
      await client.query('begin');
      try {
        if (target.token !== undefined && this.config.check_fencing_token)
          await this.checkToken(client, target);
        if (key !== undefined) {
          const claim = await claimKey(client, key);
          if (!claim.claimed) {
            await client.query('commit');
            return { value: claim.result as T, replayed: true };
          }
        }
        const value = await fn(client);
        if (key !== undefined) await storeResult(client, key, value);
        phase.committing = true;
        await client.query('commit');
        if (ambiguous) throw Object.assign(new Error(ambiguous), { code: '57P01' });
        return { value, replayed: false };
      } catch (err) {
        if (!phase.committing) await client.query('rollback').catch(() => {});
        throw err;
      }
    };
    try {
      return await withDeadline(run(), budget, `write on ${target.node}`, () => {
        broken = new Error('attempt timed out');
        client.release(broken as Error); // drops the connection: no COMMIT can be acknowledged after this
      });
    } catch (err) {
      broken ??= err;
      throw translate(err, target.node);
    } finally {
      client.off('notice', onNotice);
      client.off('error', onError);
      if (broken === undefined) client.release();
      else if (!(broken instanceof Error && broken.message === 'attempt timed out')) client.release(true);
    }
  }

  private async checkToken(client: pg.ClientBase, target: { node: string; token: bigint | undefined }) {
    const { rows } = await client.query<{ token: string }>(`select token::text from ${FENCE_TABLE}`);
    const current = rows[0] ? BigInt(rows[0].token) : undefined;
    if (current !== undefined && target.token !== undefined && current !== target.token) {
      throw new StaleFencingTokenError(target.node, target.token, current);
    }
  }

  private primaryWaiters = new Set<() => void>();

  private waitForPrimary(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.primaryWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(deadline - performance.now(), 250)));
      this.primaryWaiters.add(done);
    });
  }

  private setPrimary(next: { node: string; token: bigint | undefined } | undefined): void {
    const same = next?.node === this.current?.node && next?.token === this.current?.token;
    this.current = next;
    if (same) return;
    this.logger?.info(
      { component: 'db-router', primary: next?.node, token: next?.token?.toString() },
      'primary changed',
    );
    this.primaryEmitter.emit({ node: next?.node, token: next?.token, at: performance.now() });
    if (next) for (const w of [...this.primaryWaiters]) w();
  }

  private async pollLeader(): Promise<void> {
    if (!this.leases) return;
    try {
      const leader = await this.leases.leader(this.config.health_timeout_ms);
      this.leaderNode = leader?.ready ? { node: leader.node, token: leader.token } : undefined;
    } catch {
      // etcd unreachable: keep the last leader; its node refuses writes once it is fenced
    }
    this.resolvePrimary();
  }

  /** Picks the write target from the leader key (or the writable nodes) and the last health round. */
  private resolvePrimary(): void {
    if (this.leases) {
      const leader = this.leaderNode;
      const view = leader ? this.views.get(leader.node) : undefined;
      const usable = view?.status ? !view.status.inRecovery && !view.status.readOnly : true;
      this.setPrimary(leader && usable ? { node: leader.node, token: leader.token } : undefined);
      return;
    }
    const writable = [...this.views.values()].filter(
      (v) => v.up && v.status && !v.status.inRecovery && !v.status.readOnly,
    );
    this.setPrimary(
      writable.length === 1 ? { node: (writable[0] as NodeView).name, token: undefined } : undefined,
    );
  }

  private async healthRound(): Promise<void> {
    const now = performance.now();
    await Promise.all(
      this.config.nodes.map(async (node) => {
        const view: NodeView = { name: node.name, up: false };
        try {
          view.status = await this.nodeStatus(node);
          view.up = true;
        } catch {
          // down or unreachable
        }
        this.views.set(node.name, view);
      }),
    );
    const primaryName = this.current?.node ?? this.leaderNode?.node;
    const primary = [...this.views.values()].find(
      (v) =>
        v.up && v.status && !v.status.inRecovery && (primaryName === undefined || v.name === primaryName),
    );
    if (primary?.status) this.lag.record(primary.status.lsn, now);
    const primaryLsn = this.lag.primaryLsn;
    for (const view of this.views.values()) {
      if (!view.status?.inRecovery || primaryLsn === undefined) continue;
      view.lagBytes = lsnBytesBehind(primaryLsn, view.status.lsn);
      view.lagMs = this.lag.lagMs(view.status.lsn, now);
    }
    this.resolvePrimary();
  }

  private async nodeStatus(node: DbNode): Promise<NodeStatus> {
    let client = this.healthClients.get(node.name);
    if (!client) {
      const fresh = new pg.Client(clientConfigOf(node, `${this.config.application_name}-health`));
      fresh.on('error', () => {
        if (this.healthClients.get(node.name) === fresh) this.healthClients.delete(node.name);
      });
      try {
        await withDeadline(fresh.connect(), this.config.health_timeout_ms, `connect to ${node.name}`);
      } catch (err) {
        fresh.end().catch(() => {});
        throw err;
      }
      this.healthClients.set(node.name, fresh);
      client = fresh;
    }
    const c = client;
    try {
      return await withDeadline(queryNodeStatus(c), this.config.health_timeout_ms, `health of ${node.name}`);
    } catch (err) {
      this.healthClients.delete(node.name);
      c.end().catch(() => {});
      throw err;
    }
  }
}

/** Maps a node's refusal to write (read-only transaction: the node is fenced) to a typed error. */
function translate(err: unknown, node: string): unknown {
  if (codeOf(err) === '25006') return new FencedNodeError(node, { cause: err });
  return err;
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(Object.assign(new Error(`${what}: timeout exceeded (${ms} ms)`), { code: 'ETIMEDOUT' }));
    }, ms);
  });
  p.catch(() => {}); // a late rejection after the timeout is not unhandled
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
