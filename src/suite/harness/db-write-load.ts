import pg from 'pg';
import type { DatabaseRouter } from '../../stack/db/index.js';

/** The table the write load appends to: one row per applied write, `seq` not unique on purpose (a write applied twice shows). */
export const LEDGER_TABLE = 'faultline_ledger';

export interface AckedWrite {
  seq: number;
  /** performance.now() when the write was sent (its first attempt). */
  startedAt: number;
  /** performance.now() of the acknowledgement. */
  at: number;
  node: string;
  attempts: number;
  replayed: boolean;
}

export interface FailedWrite {
  seq: number;
  at: number;
  code: string;
}

export interface WriteLoadOptions {
  /** Concurrent writers. @default 4 */
  concurrency?: number;
  /** Stop after this many writes in all (a bound, whatever happens). @default 100000 */
  maxWrites?: number;
  /** Stop after this long, ms (a bound, whatever happens). @default 60000 */
  maxDurationMs?: number;
  /** Give each write an idempotency key (false: the negative control). @default true */
  idempotencyKeys?: boolean;
  /** Deadline of one write, retries included, ms. @default 10000 */
  writeTimeoutMs?: number;
  /** First sequence number (give two loads on one ledger disjoint ranges). @default 0 */
  firstSeq?: number;
}

/**
 * A closed-loop write load through a router: every write inserts one ledger row for its
 * sequence number. It records every acknowledged write (sequence, time, node) and every
 * failed one, so a check can later look for each acknowledged row on every node.
 */
export class DbWriteLoad {
  readonly acked: AckedWrite[] = [];
  readonly failed: FailedWrite[] = [];
  private nextSeq: number;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly ackListeners = new Set<(w: AckedWrite) => void>();

  constructor(
    private readonly router: DatabaseRouter,
    private readonly options: WriteLoadOptions = {},
  ) {
    this.nextSeq = options.firstSeq ?? 0;
  }

  static async createTable(router: DatabaseRouter): Promise<void> {
    await router.write((c) =>
      c.query(
        `create table if not exists ${LEDGER_TABLE} (id bigserial primary key, seq int not null, at timestamptz default now())`,
      ),
    );
  }

  start(): this {
    const started = performance.now();
    const maxWrites = this.options.maxWrites ?? 100_000;
    const maxMs = this.options.maxDurationMs ?? 60_000;
    const keyed = this.options.idempotencyKeys ?? true;
    const worker = async () => {
      while (
        !this.stopped &&
        this.nextSeq - (this.options.firstSeq ?? 0) < maxWrites &&
        performance.now() - started < maxMs
      ) {
        const seq = this.nextSeq++;
        const startedAt = performance.now();
        try {
          const r = await this.router.write(
            (c) => c.query(`insert into ${LEDGER_TABLE} (seq) values ($1)`, [seq]),
            {
              ...(keyed ? { idempotencyKey: `ledger-${seq}` } : {}),
              ...(this.options.writeTimeoutMs ? { timeoutMs: this.options.writeTimeoutMs } : {}),
            },
          );
          const ack: AckedWrite = {
            seq,
            startedAt,
            at: performance.now(),
            node: r.node,
            attempts: r.attempts,
            replayed: r.replayed,
          };
          this.acked.push(ack);
          for (const l of this.ackListeners) l(ack);
        } catch (err) {
          const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : 'ERR';
          this.failed.push({ seq, at: performance.now(), code });
        }
      }
    };
    this.running = Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker)).then(() => {});
    return this;
  }

  /** Resolves with the first write acknowledged by `node` after `since` (performance.now()). */
  firstAckOn(
    node: string | ((n: string) => boolean),
    since: number,
    timeoutMs: number,
  ): Promise<AckedWrite | undefined> {
    return this.firstAck(
      (w) => w.at >= since && (typeof node === 'string' ? w.node === node : node(w.node)),
      timeoutMs,
    );
  }

  /** Resolves with the first acknowledged write that `matches` (undefined after `timeoutMs`). */
  firstAck(matches: (w: AckedWrite) => boolean, timeoutMs: number): Promise<AckedWrite | undefined> {
    const found = this.acked.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ackListeners.delete(listener);
        resolve(undefined);
      }, timeoutMs);
      const listener = (w: AckedWrite) => {
        if (!matches(w)) return;
        clearTimeout(timer);
        this.ackListeners.delete(listener);
        resolve(w);
      };
      this.ackListeners.add(listener);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

/** What one node holds of the acknowledged writes. */
export interface LedgerCheck {
  node: string;
  acked: number;
  /** Acknowledged sequence numbers absent from the node. */
  missing: number[];
  /** Sequence numbers applied more than once. */
  duplicated: number[];
  rows: number;
}

/** Reads the whole ledger of one node (directly) and checks every acknowledged write, row by row. */
export async function checkLedger(
  node: { name: string; port: number },
  acked: readonly AckedWrite[],
): Promise<LedgerCheck> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: node.port,
    user: 'postgres',
    database: 'postgres',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: number; n: number }>(
      `select seq, count(*)::int as n from ${LEDGER_TABLE} group by seq`,
    );
    const counts = new Map(rows.map((r) => [r.seq, r.n]));
    return {
      node: node.name,
      acked: acked.length,
      missing: acked.filter((w) => !counts.has(w.seq)).map((w) => w.seq),
      duplicated: rows.filter((r) => r.n > 1).map((r) => r.seq),
      rows: rows.reduce((sum, r) => sum + r.n, 0),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Rows present on one node and not the other (by primary key and sequence), after both hold
 * the same history: a partition that healed cleanly leaves none.
 */
export async function divergentRows(
  a: { name: string; port: number },
  b: { name: string; port: number },
): Promise<{ onlyOn: Record<string, string[]> }> {
  const read = async (node: { port: number }) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: node.port,
      user: 'postgres',
      database: 'postgres',
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ r: string }>(`select id || ':' || seq as r from ${LEDGER_TABLE}`);
      return new Set(rows.map((x) => x.r));
    } finally {
      await client.end().catch(() => {});
    }
  };
  const [ra, rb] = await Promise.all([read(a), read(b)]);
  return {
    onlyOn: {
      [a.name]: [...ra].filter((r) => !rb.has(r)),
      [b.name]: [...rb].filter((r) => !ra.has(r)),
    },
  };
}
