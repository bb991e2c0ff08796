import type { Scenario } from '../../runner/scenario.js';
import { checkLedger, DbWriteLoad, divergentRows, LEDGER_TABLE } from '../harness/db-write-load.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { runOnDatabase } from '../harness/run-on-database.js';
import { type DatabaseControl, databaseControls, databaseSettings } from './database-controls.js';

const MAX_LAG_MS = 500;
const HEALTH_MS = 100;
/** A standby read may miss a write acknowledged less than this long before it was sent: the lag bound plus the health rounds that measure it. */
const STALENESS_BOUND_MS = MAX_LAG_MS + 3 * HEALTH_MS;
const STEADY_MS = 3000;
const PARTITION_MS = 4000;
const AFTER_MS = 2000;

interface ReadSample {
  sentAt: number;
  at: number;
  node: string;
  /** The node was not the router's primary when it answered. */
  standby: boolean;
  max: number;
}

/**
 * One per claim it can switch off; each must make the scenario fail. The staleness bound has no
 * control of its own: a router without its lag bound (max_replica_lag_ms 1 h) passed 2 runs of 3
 * with 0 stale reads, since a synchronous standby never lags an acknowledged write; asynchronous
 * replication breaks it too (one stale read of 2.7 s), but loses writes first.
 */
const controls: readonly DatabaseControl[] = [
  databaseControls.asyncReplication(
    'every acknowledged write becomes visible and is on both nodes at the end, zero rows differ',
    ['acknowledged writes never visible', 'acknowledged writes missing on a node', 'rows that differ'],
  ),
];

/**
 * One writer appends in sequence through the router while a reader asks the router for the
 * highest sequence, which it serves from a standby within 500 ms of lag. Then the primary is
 * partitioned (a failover follows), the partition heals, and the old primary is rebuilt as a
 * standby. Every acknowledged write must become visible, no read may be staler than the bound,
 * and the two nodes must end with the same rows.
 */
export const dataConsistency: Scenario = {
  id: 'database.data-consistency',
  category: 'database',
  name: 'data_consistency',
  title: 'Data consistency: writes to the primary, reads from standbys, through a partition and its heal',
  description:
    `Sequential writes to the primary, reads of the highest sequence from standbys within ${MAX_LAG_MS} ms of lag; ` +
    `the primary is partitioned for ${PARTITION_MS / 1000} s, then healed and rebuilt as a standby. Hypothesis: every ` +
    `acknowledged write becomes visible on standby reads (visibility lag measured), no read is staler than ${STALENESS_BOUND_MS} ms, ` +
    'every acknowledged write is on both nodes at the end, and zero rows differ between them.',
  needs: ['postgres-binaries', 'etcd', 'free-ports'],
  timeoutMs: 150_000,
  tags: ['database', 'replication-lag', 'consistency', 'partition'],
  controls,
  run: (ctx) => {
    const settings = databaseSettings(ctx, controls);
    return runOnDatabase(
      ctx,
      {
        ...settings.stack,
        router: {
          ...settings.stack.router,
          max_replica_lag_ms: MAX_LAG_MS,
          health_interval_ms: HEALTH_MS,
        },
      },
      async (stack) => {
        await DbWriteLoad.createTable(stack.router);
        const writer = new DbWriteLoad(stack.router, {
          concurrency: 1,
          maxDurationMs: 60_000,
          idempotencyKeys: settings.keyed,
        });
        const reads: ReadSample[] = [];
        let reading = true;
        let readErrors = 0;
        const reader = (async () => {
          const started = performance.now();
          while (reading && performance.now() - started < 60_000) {
            const sentAt = performance.now();
            try {
              const r = await stack.router.read<{ max: number }>(
                `select coalesce(max(seq), -1)::int as max from ${LEDGER_TABLE}`,
              );
              reads.push({
                sentAt,
                at: performance.now(),
                node: r.node,
                standby: r.node !== stack.router.primary,
                max: r.rows[0]?.max ?? -1,
              });
            } catch {
              readErrors++;
            }
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        const stopAll = async () => {
          await writer.stop();
          // Let the reader see the last acknowledged write (bounded), then stop it. Judged as the
          // hypothesis judges it: a read *sent after the ack*. (A read sent just before the ack was
          // handled can see the write too; stopping on that one left the last write "never
          // visible" once on a loaded machine.)
          const last = writer.acked.reduce((m, w) => (w.seq > m.seq ? w : m), { seq: -1, at: 0 });
          const until = performance.now() + 5000;
          while (performance.now() < until && !reads.some((r) => r.sentAt >= last.at && r.max >= last.seq)) {
            await new Promise((r) => setTimeout(r, 20));
          }
          reading = false;
          await reader;
        };
        let cutAt = 0;
        return {
          title: dataConsistency.title,
          category: 'database',
          method: [
            {
              type: 'action',
              name: 'start the writer',
              run: async () => {
                writer.start();
                await writer.firstAckOn('pg-a', 0, 20_000);
              },
            },
            { type: 'pause', name: 'steady state', duration_ms: STEADY_MS },
            {
              type: 'action',
              name: 'partition the primary',
              run: async () => {
                ctx.setPhase('inject');
                cutAt = performance.now();
                await stack.partition('pg-a');
              },
            },
            { type: 'pause', name: 'partitioned', duration_ms: PARTITION_MS },
            {
              type: 'action',
              name: 'heal, rebuild the old primary as a standby',
              run: async () => {
                ctx.setPhase('recover');
                await stack.heal('pg-a');
                await stack.rejoin('pg-a', 60_000);
                return { healed_after_ms: Math.round(performance.now() - cutAt) };
              },
            },
            { type: 'pause', name: 'reads from the rebuilt standby', duration_ms: AFTER_MS },
            {
              type: 'action',
              name: 'check visibility, staleness and divergence',
              run: async ({ setMetric }) => {
                await stopAll();
                const acked = [...writer.acked].sort((x, y) => x.seq - y.seq);
                const standbyReads = reads.filter(
                  (r) => r.node !== stack.router.primary || r.node === 'pg-a',
                );
                // Visibility: the first read sent after the ack that saw the write (wherever the router
                // sent it), and, before the partition, the first standby read.
                const lags: number[] = [];
                const steadyStandbyLags: number[] = [];
                let invisible = 0;
                for (const w of acked) {
                  const seen = reads.find((r) => r.sentAt >= w.at && r.max >= w.seq);
                  if (seen) lags.push(seen.at - w.at);
                  else invisible++;
                  if (w.at < cutAt) {
                    const onStandby = standbyReads.find(
                      (r) => r.sentAt >= w.at && r.max >= w.seq && r.at < cutAt,
                    );
                    if (onStandby) steadyStandbyLags.push(onStandby.at - w.at);
                  }
                }
                steadyStandbyLags.sort((x, y) => x - y);
                lags.sort((x, y) => x - y);
                // Staleness: a read must see every write acknowledged STALENESS_BOUND_MS before it was sent.
                let stale = 0;
                let worst = 0;
                for (const r of reads) {
                  const due = acked.filter((w) => w.at < r.sentAt - STALENESS_BOUND_MS && w.seq > r.max);
                  if (due.length > 0) {
                    stale++;
                    worst = Math.max(worst, r.sentAt - (due[0]?.at ?? r.sentAt));
                  }
                }
                const a = stack.cluster.node('pg-a');
                const b = stack.cluster.node('pg-b');
                const checks = await Promise.all([
                  checkLedger({ name: a.name, port: a.port }, acked),
                  checkLedger({ name: b.name, port: b.port }, acked),
                ]);
                const divergence = await divergentRows(
                  { name: a.name, port: a.port },
                  { name: b.name, port: b.port },
                );
                const divergent = Object.values(divergence.onlyOn).reduce((n, rows) => n + rows.length, 0);
                const missing = Math.max(...checks.map((c) => c.missing.length));
                const pct = (p: number) =>
                  Math.round(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? 0);
                setMetric('acknowledged_writes', acked.length);
                setMetric('reads', reads.length);
                setMetric('standby_reads', standbyReads.length);
                setMetric('read_errors', readErrors);
                setMetric('visibility_lag_p50_ms', pct(0.5));
                setMetric('visibility_lag_max_ms', pct(1));
                setMetric(
                  'standby_visibility_lag_p50_ms',
                  Math.round(steadyStandbyLags[Math.floor(steadyStandbyLags.length / 2)] ?? -1),
                );
                setMetric('never_visible', invisible);
                setMetric('stale_reads', stale);
                setMetric('acknowledged_writes_missing', missing);
                setMetric('divergent_rows', divergent);
                expectWithin('standby reads', standbyReads.length, [1, Number.POSITIVE_INFINITY]);
                expectWithin('acknowledged writes never visible to a read', invisible, [0, 0]);
                expectWithin('acknowledged writes missing on a node after the heal', missing, [0, 0]);
                expectWithin('rows that differ between the nodes after the heal', divergent, [0, 0]);
                // Staleness last: lost writes (the async control) are judged on the loss, not on the lag it also causes.
                expectWithin(
                  `reads staler than ${STALENESS_BOUND_MS} ms`,
                  stale,
                  [0, 0],
                  '',
                  () => `worst ${Math.round(worst)} ms`,
                );
                return { visibility_lag_p50_ms: pct(0.5), stale, missing, divergent };
              },
            },
          ],
          rollbacks: [
            {
              type: 'action',
              name: 'stop the writer and reader, heal',
              run: async () => {
                await stopAll();
                await stack.heal('pg-a');
              },
            },
          ],
        };
      },
    );
  },
};
