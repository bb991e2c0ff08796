/**
 * The one writer at a time: who leads a database cluster, recorded in a lease store (etcd), as
 * Patroni keeps its leader key. The leader key lives exactly as long as its lease; the lease's
 * fencing token (the etcd revision at which the key was created) only ever grows, so a write
 * stamped with an older token can be recognised and refused.
 */

/** The current leader, as the store sees it. */
export interface LeaderRecord {
  /** The node holding the lease. */
  node: string;
  /** Fencing token: the store revision at which this leadership began. Grows with every new leader. */
  token: bigint;
  /** The node has been promoted and accepts writes (routers point writes at it only then). */
  ready: boolean;
}

/**
 * Which standbys the leader runs as synchronous (`synchronous_standby_names`). Kept outside the
 * leader's lease so it survives the leader: only a node listed here may be promoted when
 * replication is synchronous, since only it is sure to hold every acknowledged write (Patroni's
 * `/sync` key).
 */
export interface SyncRecord {
  leader: string;
  standbys: string[];
}

/** A leadership this process holds. */
export interface HeldLease {
  readonly node: string;
  readonly token: bigint;
  /**
   * One keepalive. Resolves with the local monotonic time (`performance.now()`, ms) until which
   * the store cannot have expired the lease: the time the keepalive was *sent* plus the TTL.
   * Rejects (LeaseStoreError) when the store cannot be reached in `timeoutMs` or the lease is gone.
   */
  renew(timeoutMs: number): Promise<number>;
  /** Marks the leadership ready (the node is promoted): routers send writes to it from now on. */
  markReady(timeoutMs: number): Promise<void>;
  /** Records the synchronous standbys, only while this lease still holds the leader key. */
  writeSync(standbys: string[], timeoutMs: number): Promise<void>;
  /** Gives the leadership up at once (revokes the lease), so a successor need not wait for the TTL. */
  release(timeoutMs: number): Promise<void>;
}

export interface LeaseStore {
  /**
   * Tries to take the leader key for `node` with a lease of `ttlMs` (rounded up to whole
   * seconds, etcd's unit). Resolves undefined when another node holds it.
   */
  campaign(node: string, ttlMs: number, timeoutMs: number): Promise<HeldLease | undefined>;
  /** The current leader, or undefined when nobody holds the key. */
  leader(timeoutMs: number): Promise<LeaderRecord | undefined>;
  /** The last recorded synchronous standbys, or undefined when none were ever recorded. */
  sync(timeoutMs: number): Promise<SyncRecord | undefined>;
  close(): Promise<void>;
}
