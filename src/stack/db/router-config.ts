import { z } from 'zod';
import { dbNodeSchema } from './node-config.js';

/**
 * Where reads go, named after libpq's `target_session_attrs`: `prefer-standby` (a standby
 * within the lag bound, else the primary), `standby` (only a standby within the bound),
 * `primary` (always the primary).
 */
export const readPreferenceSchema = z.enum(['prefer-standby', 'standby', 'primary']);
export type ReadPreference = z.infer<typeof readPreferenceSchema>;

/** The database router: writes to the one primary, reads to standbys within a lag bound. */
export const databaseRouterSchema = z.strictObject({
  /** Every node of the cluster. */
  nodes: z.array(dbNodeSchema).min(1),
  /** @default 'prefer-standby' */
  read_preference: readPreferenceSchema.default('prefer-standby'),
  /**
   * A standby further behind the primary than this, in time, gets no reads, ms (pgpool-II's
   * `delay_threshold_by_time`). Measured from WAL positions at each health round. @default 1000
   */
  max_replica_lag_ms: z.number().int().nonnegative().default(1000),
  /** …or than this, in bytes of WAL (pgpool-II's `delay_threshold`). @default 16777216 */
  max_replica_lag_bytes: z
    .number()
    .int()
    .nonnegative()
    .default(16 * 1024 * 1024),
  /** Period of the health query on every node, ms. @default 200 */
  health_interval_ms: z.number().int().positive().default(200),
  /** Period of the leader-key read (with a lease store), ms. @default 100 */
  leader_poll_ms: z.number().int().positive().default(100),
  /** Deadline of one health query or leader read, ms. @default 1000 */
  health_timeout_ms: z.number().int().positive().default(1000),
  /** Deadline of a whole write, retries and waiting for a new primary included, ms. @default 10000 */
  write_timeout_ms: z.number().int().positive().default(10_000),
  /** Deadline of one write attempt; the connection is dropped (not cancelled) when it passes, ms. @default 3000 */
  attempt_timeout_ms: z.number().int().positive().default(3000),
  /** Deadline of a read, ms. @default 3000 */
  read_timeout_ms: z.number().int().positive().default(3000),
  /** Pause between write attempts, ms. @default 25 */
  retry_delay_ms: z.number().int().nonnegative().default(25),
  /**
   * Retry a write without an idempotency key even when its COMMIT may have been applied (a
   * negative control: this is how writes get applied twice). Unkeyed writes that failed
   * before COMMIT are always retried. @default false
   */
  retry_unkeyed_writes: z.boolean().default(false),
  /** Check the node's fencing token in every write transaction (with a lease store). @default true */
  check_fencing_token: z.boolean().default(true),
  /** Connections per node. @default 10 */
  pool_size: z.number().int().positive().default(10),
  /** `application_name` of the router's sessions. @default 'faultline-router' */
  application_name: z.string().min(1).default('faultline-router'),
});
export type DatabaseRouterConfig = z.input<typeof databaseRouterSchema>;
export type ParsedDatabaseRouterConfig = z.output<typeof databaseRouterSchema>;
