import { z } from 'zod';
import { dbNodeSchema } from './node-config.js';

/**
 * One failover manager per Postgres node, as Patroni runs one agent per node. Defaults are
 * much shorter than Patroni's (ttl 30 s, loop_wait 10 s): a failover after a crash does not
 * wait for the TTL at all (the dead node's manager gives the lease up), and one after a
 * partition waits for one TTL.
 */
export const failoverManagerSchema = z.strictObject({
  /** The node this manager runs beside, reached directly (same host). */
  node: dbNodeSchema,
  /** The other members, as this manager reaches them (to fence a lost primary, compare WAL positions). @default [] */
  peers: z.array(dbNodeSchema).default([]),
  /**
   * Lifetime of the leader lease, ms (etcd counts whole seconds: rounded up). A partitioned
   * leader is fenced within this time; a successor can take over only after it. @default 2000
   */
  ttl_ms: z.number().int().min(1000).default(2000),
  /** A leader fences itself this long before its lease can expire in the store, ms. @default 500 */
  fence_margin_ms: z.number().int().nonnegative().default(500),
  /** Keepalive period of a held lease, ms. @default ttl_ms / 4 */
  renew_interval_ms: z.number().int().positive().optional(),
  /** Period of the health check of the own node and of the leader key, ms. @default 100 */
  loop_interval_ms: z.number().int().positive().default(100),
  /** Deadline of one call to the lease store, ms. @default 400 */
  store_timeout_ms: z.number().int().positive().default(400),
  /** Deadline of one health query, ms. @default 1000 */
  health_timeout_ms: z.number().int().positive().default(1000),
  /**
   * Deadline of a connection and query to a peer (WAL position, fencing an old primary), ms. A
   * peer that does not answer in time is not waited for: an old primary that cannot be reached
   * has fenced itself or is down. @default 300
   */
  peer_timeout_ms: z.number().int().positive().default(300),
  /** Deadline of `pg_promote(wait => true)`, ms. @default 10000 */
  promote_timeout_ms: z.number().int().positive().default(10_000),
  /**
   * Synchronous replication: the leader lists its streaming standbys in
   * `synchronous_standby_names`, and only a listed standby may be promoted. `false` (a negative
   * control): asynchronous, any standby may be promoted. @default true
   */
  synchronous: z.boolean().default(true),
  /**
   * Fence: a leader that cannot renew its lease makes its node read-only before the lease can
   * expire, and a new leader fences the old primary when it can reach it. `false` (a negative
   * control): nothing is fenced. @default true
   */
  fencing: z.boolean().default(true),
});
export type FailoverManagerConfig = z.input<typeof failoverManagerSchema>;
export type ParsedFailoverManagerConfig = z.output<typeof failoverManagerSchema>;
