import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { CreateResult, Item, ItemInput, ItemStore } from './item-store.js';

interface ItemRow {
  id: string;
  name: string;
  data: unknown;
  version: number;
  written_by: string;
  created_at: Date;
  updated_at: Date;
  created?: boolean;
}

const columns = 'id, name, data, version, written_by, created_at, updated_at';

/**
 * Items in a Postgres table. A write is acknowledged after its transaction commits; the
 * Idempotency-Key is a unique column, so a replayed create finds the first row.
 */
export class PostgresItemStore implements ItemStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on next use.
    });
  }

  async connect(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS items (
      id text PRIMARY KEY,
      name text NOT NULL,
      data jsonb,
      version integer NOT NULL,
      written_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      idempotency_key text UNIQUE
    )`);
  }

  async list(limit: number): Promise<Item[]> {
    const { rows } = await this.pool.query<ItemRow>(
      `SELECT ${columns} FROM items ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map(toItem);
  }

  async get(id: string): Promise<Item | undefined> {
    const { rows } = await this.pool.query<ItemRow>(`SELECT ${columns} FROM items WHERE id = $1`, [id]);
    return rows[0] ? toItem(rows[0]) : undefined;
  }

  async create(input: ItemInput, writer: string, idempotencyKey?: string): Promise<CreateResult> {
    const { rows } = await this.pool.query<ItemRow>(
      `INSERT INTO items (id, name, data, version, written_by, idempotency_key)
       VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${columns}`,
      [randomUUID(), input.name, JSON.stringify(input.data ?? null), writer, idempotencyKey ?? null],
    );
    if (rows[0]) return { item: toItem(rows[0]), replayed: false };
    const first = await this.pool.query<ItemRow>(`SELECT ${columns} FROM items WHERE idempotency_key = $1`, [
      idempotencyKey,
    ]);
    if (!first.rows[0]) throw new Error(`idempotency key ${idempotencyKey} conflicts but has no row`);
    return { item: toItem(first.rows[0]), replayed: true };
  }

  async put(id: string, input: ItemInput, writer: string): Promise<{ item: Item; created: boolean }> {
    const { rows } = await this.pool.query<ItemRow>(
      `INSERT INTO items (id, name, data, version, written_by)
       VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, data = EXCLUDED.data,
         version = items.version + 1, written_by = EXCLUDED.written_by, updated_at = now()
       RETURNING ${columns}, (xmax = 0) AS created`,
      [id, input.name, JSON.stringify(input.data ?? null), writer],
    );
    const row = rows[0] as ItemRow;
    return { item: toItem(row), created: row.created === true };
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM items WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    data: row.data,
    version: row.version,
    written_by: row.written_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
