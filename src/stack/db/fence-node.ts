import type pg from 'pg';

/*
 * Fencing a Postgres node from SQL, and the fencing-token table. A fenced node keeps serving
 * reads but refuses every write: `default_transaction_read_only` is switched on for new
 * transactions and every other client session is terminated, so no transaction that began
 * before the fence can still commit (a session waiting on synchronous replication is cut, and
 * its client never sees the commit acknowledged).
 */

/** The table holding the fencing token of the leadership a primary serves (one row). */
export const FENCE_TABLE = 'faultline_fence';

/** Makes the node refuse writes (idempotent). ALTER SYSTEM persists across restarts. */
export async function fenceNode(client: pg.ClientBase): Promise<void> {
  await client.query('alter system set default_transaction_read_only = on');
  await client.query('select pg_reload_conf()');
  await client.query(
    `select pg_terminate_backend(pid) from pg_stat_activity
     where backend_type = 'client backend' and pid <> pg_backend_pid()`,
  );
}

/** Lets the node take writes again (a promoted or re-elected primary). */
export async function unfenceNode(client: pg.ClientBase): Promise<void> {
  await client.query('alter system reset default_transaction_read_only');
  await client.query('select pg_reload_conf()');
}

/** Records `token` as the node's fencing token; the token never goes down. */
export async function storeFencingToken(client: pg.ClientBase, token: bigint): Promise<void> {
  await client.query(`create table if not exists ${FENCE_TABLE} (
    id int primary key check (id = 1), token bigint not null)`);
  await client.query(
    `insert into ${FENCE_TABLE} (id, token) values (1, $1)
     on conflict (id) do update set token = greatest(${FENCE_TABLE}.token, excluded.token)`,
    [token.toString()],
  );
}

/** Quotes a standby name for `synchronous_standby_names`. */
function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Sets `synchronous_standby_names` to `FIRST 1 (names…)` (empty list: replication becomes
 * asynchronous) and reloads. `synchronous_commit` stays at its default `on`: a commit is
 * acknowledged once the standby has flushed it.
 */
export async function setSynchronousStandbys(client: pg.ClientBase, names: readonly string[]): Promise<void> {
  const value = names.length === 0 ? '' : `FIRST 1 (${names.map(quoteName).join(', ')})`;
  await client.query(`alter system set synchronous_standby_names = '${value.replaceAll("'", "''")}'`);
  await client.query('select pg_reload_conf()');
}
