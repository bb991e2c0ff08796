import type pg from 'pg';

/**
 * Idempotent writes: the write's key is inserted in `faultline_idempotency` in the same
 * transaction as the write, with the write's result. A retry of a write that did commit (its
 * acknowledgement lost in a failover) finds the key and gets the stored result back instead of
 * applying the write again; a retry of one that did not commit finds nothing and applies it.
 * Concurrent attempts with one key serialise on the key's row.
 */
export const IDEMPOTENCY_TABLE = 'faultline_idempotency';

export async function createIdempotencyTable(client: pg.ClientBase): Promise<void> {
  await client.query(`create table if not exists ${IDEMPOTENCY_TABLE} (
    key text primary key,
    result jsonb,
    created_at timestamptz not null default now())`);
}

/**
 * Inside an open transaction: claims `key`. Returns `{ claimed: true }` when this transaction
 * is the first to apply it, else the result stored by the one that did.
 */
export async function claimKey(
  client: pg.ClientBase,
  key: string,
): Promise<{ claimed: true } | { claimed: false; result: unknown }> {
  const inserted = await client.query(
    `insert into ${IDEMPOTENCY_TABLE} (key) values ($1) on conflict (key) do nothing`,
    [key],
  );
  if (inserted.rowCount === 1) return { claimed: true };
  const { rows } = await client.query<{ result: unknown }>(
    `select result from ${IDEMPOTENCY_TABLE} where key = $1`,
    [key],
  );
  return { claimed: false, result: rows[0]?.result ?? null };
}

/** Inside the same transaction: stores the write's result under its key. */
export async function storeResult(client: pg.ClientBase, key: string, result: unknown): Promise<void> {
  await client.query(`update ${IDEMPOTENCY_TABLE} set result = $2 where key = $1`, [
    key,
    JSON.stringify(result ?? null),
  ]);
}
