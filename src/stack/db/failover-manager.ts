import pg from 'pg';
import type { Logger } from 'pino';
import { type Event, EventEmitter } from '../../common/event.js';
import { FailoverError, RouterClosedError } from './db-errors.js';
import {
  type FailoverManagerConfig,
  failoverManagerSchema,
  type ParsedFailoverManagerConfig,
} from './failover-config.js';
import { fenceNode, setSynchronousStandbys, storeFencingToken, unfenceNode } from './fence-node.js';
import type { HeldLease, LeaseStore } from './lease-store.js';
import { parseLsn } from './lsn.js';
import { clientConfigOf, type DbNode } from './node-config.js';
import { type NodeStatus, queryNodeStatus } from './node-health.js';

/**
 * What a manager's node is, as far as the manager knows. `fenced`: it lost (or never had) the
 * leadership and refuses writes (read-only, or down). `demoted`: it lost the leadership with
 * fencing switched off, so it may still take writes (the negative control).
 */
export type NodeRole = 'starting' | 'replica' | 'primary' | 'fenced' | 'demoted';

export interface RoleChange {
  node: string;
  role: NodeRole;
  /** The fencing token of the leadership, for `primary`. */
  token?: bigint;
  /** Why, e.g. `lease not renewed`, `local node down`, `promoted`. */
  reason: string;
  /** performance.now() of the change. */
  at: number;
}

/** One completed takeover, with the time of each step (performance.now(), ms). */
export interface TakeoverReport {
  node: string;
  token: bigint;
  /** Whether the node was a standby that had to be promoted (false: a bootstrap or re-election). */
  promoted: boolean;
  /** The lease was won. */
  leaseAt: number;
  /** Step 1 done: every reachable old primary fenced (unreachable ones fenced themselves). */
  fencedAt: number;
  /** Step 2 done: `pg_promote` returned. */
  promotedAt: number;
  /** Step 3 done: the leader key says ready, routers point writes here. */
  readyAt: number;
  /** Old primaries this manager fenced itself. */
  fencedPeers: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The failover manager of one Postgres node. Every `loop_interval_ms` it checks its node and
 * the leader key:
 *
 * - **Leader (primary).** It renews its lease every `renew_interval_ms`. If it cannot renew, it
 *   fences its own node `fence_margin_ms` before the lease could expire in etcd, so by the time
 *   anyone else can lead, the old primary refuses writes. If its node dies, it gives the lease
 *   up at once so a standby need not wait for the TTL. It lists its streaming standbys as
 *   synchronous (Postgres first, then the `/sync` record) so an acknowledged write is on two nodes.
 * - **Standby.** When nobody holds the leader key and its node is the most advanced standby
 *   allowed to take over (listed in `/sync` when replication is synchronous), it takes the
 *   lease and then (1) fences the old primary if it can reach it, (2) promotes its node with
 *   `pg_promote`, (3) marks the leadership ready, which re-points the routers' writes.
 */
export class FailoverManager {
  readonly config: ParsedFailoverManagerConfig;
  private readonly roleEmitter = new EventEmitter<RoleChange>();
  private readonly takeoverEmitter = new EventEmitter<TakeoverReport>();
  /** Every change of this node's role. */
  readonly onRoleChange: Event<RoleChange> = this.roleEmitter.addListener;
  /** Every leadership this manager took, with the time of each step. */
  readonly onTakeover: Event<TakeoverReport> = this.takeoverEmitter.addListener;

  private currentRole: NodeRole = 'starting';
  private held: HeldLease | undefined;
  /** performance.now() until which the store cannot have expired our lease. */
  private validUntil = 0;
  private local: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private loopTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private kicked = false;
  private isClosed = false;
  private syncStandbys: string[] = [];

  constructor(
    config: FailoverManagerConfig,
    private readonly store: LeaseStore,
    private readonly logger?: Logger,
  ) {
    this.config = failoverManagerSchema.parse(config);
  }

  get node(): DbNode {
    return this.config.node;
  }

  get role(): NodeRole {
    return this.currentRole;
  }

  /** true once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The fencing token of the leadership held, if any. */
  get token(): bigint | undefined {
    return this.held?.token;
  }

  /** Starts the loop. Resolves after the first tick. */
  async start(): Promise<void> {
    if (this.isClosed) throw new RouterClosedError('failover manager');
    await this.tick();
    this.schedule();
  }

  /** Stops every timer and closes connections, leaving the lease to expire (as a crashed agent would). */
  async close(): Promise<void> {
    this.isClosed = true;
    clearTimeout(this.loopTimer);
    clearInterval(this.renewTimer);
    clearTimeout(this.fenceTimer);
    await this.ticking?.catch(() => {});
    this.held = undefined;
    await this.local?.end().catch(() => {});
    this.local = undefined;
  }

  private schedule(): void {
    if (this.isClosed) return;
    clearTimeout(this.loopTimer);
    this.loopTimer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.config.loop_interval_ms);
  }

  /** Runs a tick now (after the current one), e.g. when the local connection breaks. */
  private kick(): void {
    if (this.isClosed) return;
    if (this.ticking) {
      this.kicked = true;
      return;
    }
    clearTimeout(this.loopTimer);
    void this.tick().finally(() => this.schedule());
  }

  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      do {
        this.kicked = false;
        try {
          await this.step();
        } catch (err) {
          this.logger?.warn({ component: 'failover', node: this.node.name, err }, 'tick failed');
        }
      } while (this.kicked && !this.isClosed);
    })().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async step(): Promise<void> {
    if (this.isClosed) return;
    const status = await this.localStatus();
    if (this.currentRole === 'primary') {
      if (!status) {
        await this.stepDown('local node down', false);
        return;
      }
      if (this.config.synchronous) await this.maintainSync();
      return;
    }
    if (status?.inRecovery && this.currentRole !== 'replica') this.setRole('replica', 'streaming standby');
    let leader: Awaited<ReturnType<LeaseStore['leader']>>;
    try {
      leader = await this.store.leader(this.config.store_timeout_ms);
    } catch {
      return; // the store is unreachable: do nothing, a leader will fence itself
    }
    if (leader) {
      if (status && !status.inRecovery && leader.node !== this.node.name && this.currentRole === 'starting') {
        // A writable node that is not the leader: fence it before anyone writes to it.
        await this.fenceSelf(`another node (${leader.node}) leads`);
      }
      return;
    }
    if (status && (await this.eligible(status))) await this.takeOver(status);
  }

  /** The own node's status, or undefined when it cannot be reached. */
  private async localStatus(): Promise<NodeStatus | undefined> {
    try {
      const client = await this.localClient();
      return await withTimeout(queryNodeStatus(client), this.config.health_timeout_ms, () =>
        this.dropLocal(),
      );
    } catch {
      this.dropLocal();
      return undefined;
    }
  }

  private localClient(): Promise<pg.Client> {
    if (this.local) return Promise.resolve(this.local);
    this.connecting ??= (async () => {
      const client = new pg.Client(clientConfigOf(this.node, `faultline-failover-${this.node.name}`));
      client.on('error', () => {
        if (this.local === client) this.dropLocal();
        this.kick();
      });
      client.on('end', () => {
        if (this.local === client) {
          this.local = undefined;
          this.kick();
        }
      });
      try {
        await client.connect();
      } catch (err) {
        await client.end().catch(() => {});
        throw err;
      }
      this.local = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dropLocal(): void {
    const client = this.local;
    this.local = undefined;
    client?.end().catch(() => {});
  }

  private setRole(role: NodeRole, reason: string): void {
    if (role === this.currentRole) return;
    this.currentRole = role;
    const change: RoleChange = {
      node: this.node.name,
      role,
      reason,
      at: performance.now(),
      ...(role === 'primary' && this.held ? { token: this.held.token } : {}),
    };
    this.logger?.info({ component: 'failover', ...change, token: change.token?.toString() }, 'role');
    this.roleEmitter.emit(change);
  }

  /** May this node take the leader key now? */
  private async eligible(status: NodeStatus): Promise<boolean> {
    let sync: Awaited<ReturnType<LeaseStore['sync']>>;
    try {
      sync = await this.store.sync(this.config.store_timeout_ms);
    } catch {
      return false;
    }
    if (!status.inRecovery) {
      // A writable node without a leader: the cluster's first leader, or the last one coming back.
      return sync === undefined || sync.leader === this.node.name;
    }
    if (this.config.synchronous && !(sync?.standbys.includes(this.node.name) ?? false)) return false;
    const mine = status.receiveLsn ?? status.lsn;
    // Only the other standbys compete; the last leader is not a candidate.
    const candidates = this.config.peers.filter((p) => p.name !== sync?.leader);
    const peers = await Promise.all(candidates.map((p) => this.peerStatus(p)));
    // The most advanced standby takes over: it holds every write any standby has.
    return peers.every((p) => !p?.inRecovery || (p.receiveLsn ?? p.lsn) <= mine);
  }

  private async peerStatus(peer: DbNode): Promise<NodeStatus | undefined> {
    return this.withPeer(peer, (client) => queryNodeStatus(client)).catch(() => undefined);
  }

  private async withPeer<T>(peer: DbNode, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({
      ...clientConfigOf(peer, `faultline-failover-${this.node.name}`),
      connectionTimeoutMillis: Math.min(peer.connect_timeout_ms, this.config.peer_timeout_ms),
    });
    client.on('error', () => {});
    try {
      await client.connect();
      return await withTimeout(fn(client), this.config.health_timeout_ms, () => {
        client.end().catch(() => {});
      });
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async takeOver(status: NodeStatus): Promise<void> {
    const sentAt = performance.now();
    const held = await this.store.campaign(this.node.name, this.config.ttl_ms, this.config.store_timeout_ms);
    if (!held) return;
    const leaseAt = performance.now();
    this.held = held;
    this.holdLease(sentAt + this.config.ttl_ms);
    this.logger?.info(
      { component: 'failover', node: this.node.name, token: held.token.toString() },
      'lease won',
    );
    try {
      // (1) Fence every old primary this node can reach; one it cannot reach has fenced itself
      // (its lease is gone: expired after its manager fenced it, or given up when it died).
      const fencedPeers: string[] = [];
      if (this.config.fencing) {
        await Promise.all(
          this.config.peers.map(async (peer) => {
            const fenced = await this.withPeer(peer, async (client) => {
              const st = await queryNodeStatus(client);
              if (st.inRecovery) return false;
              await fenceNode(client);
              return true;
            }).catch(() => false);
            if (fenced) fencedPeers.push(peer.name);
          }),
        );
      }
      const fencedAt = performance.now();
      // (2) Promote.
      if (status.inRecovery) await this.promote();
      const promotedAt = performance.now();
      if (this.held !== held) throw new FailoverError('the lease was lost during the takeover');
      // (3) Take writes: unfenced, no synchronous standby until one streams from us, the token
      // stored, then the leader key says ready and routers re-point.
      const client = await this.localClient();
      await unfenceNode(client);
      this.syncStandbys = [];
      await setSynchronousStandbys(client, []);
      await storeFencingToken(client, held.token);
      await held.writeSync([], this.config.store_timeout_ms);
      await held.markReady(this.config.store_timeout_ms);
      const readyAt = performance.now();
      this.setRole('primary', status.inRecovery ? 'promoted' : 'elected');
      this.takeoverEmitter.emit({
        node: this.node.name,
        token: held.token,
        promoted: status.inRecovery,
        leaseAt,
        fencedAt,
        promotedAt,
        readyAt,
        fencedPeers,
      });
    } catch (err) {
      this.logger?.warn({ component: 'failover', node: this.node.name, err }, 'takeover failed');
      if (this.held === held) await this.stepDown('takeover failed', this.config.fencing);
    }
  }

  private async promote(): Promise<void> {
    const client = await this.localClient();
    const seconds = Math.ceil(this.config.promote_timeout_ms / 1000);
    const { rows } = await client.query<{ ok: boolean }>('select pg_promote(true, $1) as ok', [seconds]);
    if (!rows[0]?.ok) throw new FailoverError(`pg_promote did not finish within ${seconds} s`);
  }

  /** Keeps `this.held` alive and arms the self-fence. */
  private holdLease(validUntil: number): void {
    this.extend(validUntil);
    clearInterval(this.renewTimer);
    const every = this.config.renew_interval_ms ?? Math.floor(this.config.ttl_ms / 5);
    let inFlight = false;
    this.renewTimer = setInterval(() => {
      const held = this.held;
      if (!held || inFlight) return;
      inFlight = true;
      held
        .renew(Math.min(this.config.store_timeout_ms, this.config.ttl_ms))
        .then((until) => {
          if (this.held === held) this.extend(until);
        })
        .catch((err: unknown) => {
          this.logger?.warn(
            { component: 'failover', node: this.node.name, err: String(err) },
            'renew failed',
          );
        })
        .finally(() => {
          inFlight = false;
        });
    }, every);
  }

  private extend(validUntil: number): void {
    this.validUntil = Math.max(this.validUntil, validUntil);
    clearTimeout(this.fenceTimer);
    const margin = this.config.fence_margin_ms ?? Math.floor(this.config.ttl_ms / 2);
    const fenceIn = this.validUntil - margin - performance.now();
    this.fenceTimer = setTimeout(
      () => {
        void this.stepDown('lease not renewed', this.config.fencing);
      },
      Math.max(0, fenceIn),
    );
  }

  /**
   * Gives up the leadership: fences the own node first when `fence` (a partitioned leader),
   * then releases the lease (it may fail while partitioned; the lease then expires).
   */
  private async stepDown(reason: string, fence: boolean): Promise<void> {
    const held = this.held;
    this.held = undefined;
    clearInterval(this.renewTimer);
    clearTimeout(this.fenceTimer);
    if (fence) await this.fenceSelf(reason);
    else this.setRole(this.config.fencing ? 'fenced' : 'demoted', reason);
    await held?.release(this.config.store_timeout_ms).catch(() => {});
  }

  private async fenceSelf(reason: string): Promise<void> {
    if (this.config.fencing) {
      try {
        await withTimeout(
          this.localClient().then((c) => fenceNode(c)),
          this.config.health_timeout_ms,
          () => this.dropLocal(),
        );
      } catch (err) {
        // The node is unreachable from its own host: it is down, which fences it too.
        this.logger?.warn({ component: 'failover', node: this.node.name, err: String(err) }, 'fence failed');
      }
    }
    this.setRole(this.config.fencing ? 'fenced' : 'demoted', reason);
  }

  /**
   * Makes every streaming member a synchronous standby: Postgres first, then, once the standby
   * has flushed everything written so far, the `/sync` record (so the record never names a
   * standby that could miss an acknowledged write). Standbys are never dropped from the list
   * while this node leads (Patroni's `synchronous_mode_strict`).
   */
  private async maintainSync(): Promise<void> {
    const held = this.held;
    if (!held) return;
    const client = await this.localClient();
    const members = new Set(this.config.peers.map((p) => p.name));
    const { rows } = await client.query<{ application_name: string; state: string }>(
      'select application_name, state from pg_stat_replication',
    );
    const add = rows
      .filter((r) => r.state === 'streaming' && members.has(r.application_name))
      .map((r) => r.application_name)
      .filter((name) => !this.syncStandbys.includes(name));
    if (add.length === 0) return;
    const names = [...this.syncStandbys, ...add];
    await setSynchronousStandbys(client, names);
    const { rows: lsnRows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    const target = parseLsn(lsnRows[0]?.lsn) ?? 0n;
    const deadline = performance.now() + this.config.ttl_ms;
    for (;;) {
      const { rows: flushed } = await client.query<{ application_name: string; flush_lsn: string | null }>(
        'select application_name, flush_lsn::text from pg_stat_replication',
      );
      const caughtUp = add.every((name) =>
        flushed.some((r) => r.application_name === name && (parseLsn(r.flush_lsn) ?? 0n) >= target),
      );
      if (caughtUp) break;
      if (performance.now() > deadline || this.held !== held) return; // next tick tries again
      await sleep(20);
    }
    await held.writeSync(names, this.config.store_timeout_ms);
    this.syncStandbys = names;
    this.logger?.info({ component: 'failover', node: this.node.name, sync: names }, 'synchronous standbys');
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
