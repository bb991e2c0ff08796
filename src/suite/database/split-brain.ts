import pg from 'pg';
import type { Scenario } from '../../runner/scenario.js';
import type { RoleChange, TakeoverReport, WriteRejection } from '../../stack/db/index.js';
import { checkLedger, DbWriteLoad, divergentRows } from '../harness/db-write-load.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { runOnDatabase } from '../harness/run-on-database.js';
import { type DatabaseControl, databaseControls, databaseSettings } from './database-controls.js';

const TTL_MS = 2000;
const STEADY_MS = 1500;
const PARTITION_MS = 5000;
/** The side writers' first sequence number (the main load counts from 0). */
const SIDE_SEQ = 1_000_000;
/** Deadline of one write attempt of the side writers, ms. */
const SIDE_ATTEMPT_MS = 500;

/** Whether a node takes a write right now: an insert in a transaction that is rolled back. */
async function acceptsWrites(port: number): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 1000,
    query_timeout: 1000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('begin');
    await client.query('insert into faultline_ledger (seq) values (-1)');
    await client.query('rollback');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** One per claim it can switch off; each must make the scenario fail. */
const controls: readonly DatabaseControl[] = [
  databaseControls.noFencing(
    'the old primary is fenced within the lease TTL, exactly one node accepts writes, every write tried on the fenced node is refused as fenced',
    ['old primary fenced', 'nodes accepting writes', 'fenced node'],
  ),
  databaseControls.asyncReplication(
    'every write acknowledged anywhere is on the new primary, and after the heal no row differs',
    ['acknowledged writes missing on the new primary', 'rows that differ'],
  ),
];

/**
 * The primary is cut off from etcd and from the standby (fault proxies on both links) while
 * clients on both sides keep writing. Its failover manager cannot renew the lease and fences
 * its node before the lease can expire; the standby takes the lease after it expires and is
 * promoted. Writers on the old primary's side (a router that cannot read etcd either) meet
 * only refusals.
 */
export const splitBrain: Scenario = {
  id: 'database.split-brain',
  category: 'database',
  name: 'split_brain',
  title: 'Split brain: the primary is partitioned from the lease store and the standby',
  description:
    `The primary loses etcd and the standby for ${PARTITION_MS / 1000} s (lease TTL ${TTL_MS / 1000} s) while writers ` +
    'on both sides of the partition keep writing. Hypothesis: the old primary is fenced within the lease TTL, ' +
    'exactly one node accepts writes afterwards, every write tried on the fenced node is refused as fenced and ' +
    'reported, every write acknowledged anywhere is on the new primary, and after the heal no row differs between the nodes.',
  needs: ['postgres-binaries', 'etcd', 'free-ports'],
  timeoutMs: 150_000,
  tags: ['database', 'fencing', 'lease', 'partition'],
  controls,
  run: (ctx) => {
    const settings = databaseSettings(ctx, controls);
    return runOnDatabase(
      ctx,
      {
        ...settings.stack,
        ttlMs: TTL_MS,
      },
      async (stack) => {
        await DbWriteLoad.createTable(stack.router);
        const side = await stack.sideRouter('pg-a', {
          write_timeout_ms: 1000,
          attempt_timeout_ms: SIDE_ATTEMPT_MS,
          ...settings.stack.router,
        });
        const main = new DbWriteLoad(stack.router, {
          concurrency: 4,
          maxDurationMs: 60_000,
          idempotencyKeys: settings.keyed,
        });
        const sideLoad = new DbWriteLoad(side, {
          concurrency: 2,
          maxDurationMs: 60_000,
          idempotencyKeys: settings.keyed,
          firstSeq: SIDE_SEQ,
          writeTimeoutMs: 1000,
        });
        const roles: RoleChange[] = [];
        stack.managers.get('pg-a')?.onRoleChange((c) => roles.push(c));
        const takeovers: TakeoverReport[] = [];
        stack.managers.get('pg-b')?.onTakeover((t) => takeovers.push(t));
        const rejections: WriteRejection[] = [];
        side.onWriteRejected((r) => rejections.push(r));
        let cutAt = 0;
        const fencedAt = () => roles.find((r) => r.role === 'fenced')?.at;
        return {
          title: splitBrain.title,
          category: 'database',
          method: [
            {
              type: 'action',
              name: 'start writers on both sides',
              run: async () => {
                main.start();
                sideLoad.start();
                await main.firstAckOn('pg-a', 0, 20_000);
              },
            },
            { type: 'pause', name: 'steady state', duration_ms: STEADY_MS },
            {
              type: 'action',
              name: 'partition the primary from etcd and the standby',
              run: async () => {
                ctx.setPhase('inject');
                cutAt = performance.now();
                await stack.partition('pg-a');
              },
            },
            {
              type: 'action',
              name: 'measure fencing and the takeover',
              run: async ({ setMetric }) => {
                const deadline = performance.now() + PARTITION_MS;
                while (performance.now() < deadline && (fencedAt() === undefined || takeovers.length === 0)) {
                  await new Promise((r) => setTimeout(r, 20));
                }
                const fenced = fencedAt();
                const fenceMs = fenced === undefined ? Number.POSITIVE_INFINITY : fenced - cutAt;
                // Never fenced: no figure (a journal metric is a finite number); the check below says so.
                if (fenced !== undefined) setMetric('fenced_ms', Math.round(fenceMs));
                const takeover = takeovers[0];
                if (takeover) setMetric('new_leader_ready_ms', Math.round(takeover.readyAt - cutAt));
                expectWithin(
                  'time from the partition to the old primary fenced',
                  fenceMs,
                  [0, TTL_MS],
                  ' ms',
                );
                expectWithin('new leaders', takeovers.length, [1, 1]);
                // One writer at a time: fenced before the successor could hold the lease.
                expectWithin(
                  'fence before the new lease (ms of overlap)',
                  Math.max(0, (fenced ?? 0) - (takeover?.leaseAt ?? 0)),
                  [0, 0],
                  ' ms',
                );
                return { fenced_ms: Math.round(fenceMs) };
              },
            },
            {
              type: 'action',
              name: 'count the nodes that accept writes',
              run: async ({ setMetric }) => {
                const writable = await Promise.all(stack.cluster.nodes.map((n) => acceptsWrites(n.port)));
                const count = writable.filter(Boolean).length;
                setMetric('nodes_accepting_writes', count);
                expectWithin('nodes accepting writes during the partition', count, [1, 1]);
                return Object.fromEntries(stack.cluster.nodes.map((n, i) => [n.name, writable[i]]));
              },
            },
            {
              type: 'action',
              name: 'hold the partition, then heal it and rebuild the old primary as a standby',
              run: async () => {
                const left = PARTITION_MS - (performance.now() - cutAt);
                if (left > 0) await new Promise((r) => setTimeout(r, left));
                ctx.setPhase('recover');
                await sideLoad.stop();
                await stack.heal('pg-a');
                await stack.rejoin('pg-a', 60_000);
              },
            },
            {
              type: 'action',
              name: 'check refusals, acknowledged writes and divergence',
              run: async ({ setMetric }) => {
                await main.stop();
                const fenced = fencedAt() ?? Number.POSITIVE_INFINITY;
                const afterFence = rejections.filter((r) => r.node === 'pg-a' && r.at >= fenced);
                // Attempts already running when the fence fell end as terminated sessions (57P01) or
                // timeouts; every attempt begun after it must meet the fence itself.
                const begunAfter = afterFence.filter((r) => r.at >= fenced + SIDE_ATTEMPT_MS + 100);
                const notAsFenced = begunAfter.filter((r) => r.code !== 'FL_DB_FENCED');
                const ackedByOld = sideLoad.acked.filter((w) => w.node === 'pg-a' && w.at >= fenced);
                setMetric('writes_tried_on_fenced_node', afterFence.length);
                setMetric('refused_not_as_fenced', notAsFenced.length);
                setMetric('acknowledged_by_fenced_node', ackedByOld.length);
                const acked = [...main.acked, ...sideLoad.acked];
                const b = stack.cluster.node('pg-b');
                const a = stack.cluster.node('pg-a');
                const check = await checkLedger({ name: b.name, port: b.port }, acked);
                const divergence = await divergentRows(
                  { name: a.name, port: a.port },
                  { name: b.name, port: b.port },
                );
                const divergent = Object.values(divergence.onlyOn).reduce((n, rows) => n + rows.length, 0);
                setMetric('acknowledged_writes', acked.length);
                setMetric('acknowledged_writes_lost', check.missing.length);
                setMetric('writes_applied_twice', check.duplicated.length);
                setMetric('divergent_rows', divergent);
                // Losses first: a control that loses writes must be judged on them, not on a side check.
                expectWithin('acknowledged writes missing on the new primary', check.missing.length, [0, 0]);
                expectWithin('writes applied more than once', check.duplicated.length, [0, 0]);
                expectWithin('rows that differ between the nodes after the heal', divergent, [0, 0]);
                expectWithin('writes tried on the fenced node', afterFence.length, [
                  1,
                  Number.POSITIVE_INFINITY,
                ]);
                expectWithin(
                  'writes on the fenced node not refused as fenced',
                  notAsFenced.length,
                  [0, 0],
                  '',
                  () => [...new Set(notAsFenced.map((r) => r.code))].join(', '),
                );
                expectWithin('writes acknowledged by the fenced node', ackedByOld.length, [0, 0]);
                return { refused: afterFence.length, missing: check.missing.length, divergent };
              },
            },
          ],
          rollbacks: [
            {
              type: 'action',
              name: 'stop the writers and heal',
              run: async () => {
                await Promise.all([main.stop(), sideLoad.stop()]);
                await stack.heal('pg-a');
              },
            },
          ],
        };
      },
    );
  },
};
