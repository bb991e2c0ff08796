import type pg from 'pg';
import { parseLsn } from './lsn.js';

/**
 * What one health query tells about a node: the two facts libpq's `target_session_attrs`
 * looks at (`pg_is_in_recovery()`, `transaction_read_only`) and the node's WAL position.
 */
export interface NodeStatus {
  /** true on a standby (`pg_is_in_recovery()`). */
  inRecovery: boolean;
  /** `default_transaction_read_only` is on: a fenced node refuses writes. */
  readOnly: boolean;
  /**
   * Primary: `pg_current_wal_lsn()`. Standby: `pg_last_wal_replay_lsn()` (what reads see).
   */
  lsn: bigint;
  /** Standby only: `pg_last_wal_receive_lsn()` (what it has received and flushed). */
  receiveLsn: bigint | undefined;
}

const HEALTH_SQL = `select pg_is_in_recovery() as in_recovery,
  current_setting('default_transaction_read_only') = 'on' as read_only,
  (case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end)::text as lsn,
  pg_last_wal_receive_lsn()::text as receive_lsn`;

/** Runs the health query on an open connection. Throws what the connection throws. */
export async function queryNodeStatus(client: pg.ClientBase): Promise<NodeStatus> {
  const { rows } = await client.query<{
    in_recovery: boolean;
    read_only: boolean;
    lsn: string | null;
    receive_lsn: string | null;
  }>(HEALTH_SQL);
  const row = rows[0];
  if (!row) throw new Error('health query returned no row');
  return {
    inRecovery: row.in_recovery,
    readOnly: row.read_only,
    lsn: parseLsn(row.lsn) ?? 0n,
    receiveLsn: parseLsn(row.receive_lsn),
  };
}
