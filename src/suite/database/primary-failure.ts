import type { Scenario } from '../../runner/scenario.js';
import type { TakeoverReport } from '../../stack/db/index.js';
import { checkLedger, DbWriteLoad } from '../harness/db-write-load.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { runOnDatabase } from '../harness/run-on-database.js';
import { type DatabaseControl, databaseControls, databaseSettings } from './database-controls.js';

const STEADY_MS = 2000;
const AFTER_MS = 2000;
/** Hypothesis: writes resume on the promoted standby this soon after the kill (target 2 s). */
const RESUME_WITHIN_MS = 5000;
/** Latency of each direction of the replication link: the standby sits on another host. */
const REPLICATION_LATENCY_MS = 30;
/**
 * The host fails as hosts do: its network first (the replication link drops), its Postgres
 * killed this long after. A kill alone loses next to nothing even with asynchronous replication
 * (the WAL already written to the socket still reaches the standby: the async control lost 0 to
 * 3 writes and passed 2 runs of 3), so only this window shows what synchronous replication buys.
 */
const LINK_DOWN_BEFORE_KILL_MS = 300;
/**
 * Concurrent writers. A write is applied twice without its key only when its COMMIT reached the
 * standby and the acknowledgement did not come back (about half of a 30 ms-away commit's round
 * trip): with 8 writers the no_idempotency_key control found such a write in 6 runs of 8.
 */
const WRITERS = 16;

/** One per claim it can switch off; each must make the scenario fail. */
const controls: readonly DatabaseControl[] = [
  databaseControls.asyncReplication('every acknowledged write is on the promoted standby', [
    'acknowledged writes missing on the promoted standby',
  ]),
  databaseControls.noIdempotencyKey('none is applied twice', ['writes applied more than once']),
  databaseControls.writeRetriesOff('no write fails', ['writes that failed']),
];

/**
 * The primary's host fails under a write load: its replication link drops, then its Postgres
 * (postmaster and every backend) is killed with SIGKILL. The failover
 * manager of the dead node gives its lease up, the synchronous standby takes it, fences the
 * old primary (dead: nothing to do), promotes itself, and the router re-points writes.
 */
export const primaryFailure: Scenario = {
  id: 'database.primary-failure',
  category: 'database',
  name: 'primary_failure',
  title: 'Primary failure: kill -9 of the Postgres primary under a write load',
  description:
    `A primary and a synchronous standby (30 ms away), an etcd leader lease, ${WRITERS} writers with idempotency keys. ` +
    `The primary's host fails: its replication link drops, ${LINK_DOWN_BEFORE_KILL_MS} ms later its Postgres is ` +
    'killed with SIGKILL. Hypothesis: writes resume on the promoted standby within 5 s of the link drop, every ' +
    'acknowledged write is on it (checked row by row), none is applied twice, and no write fails.',
  needs: ['postgres-binaries', 'etcd', 'free-ports'],
  timeoutMs: 120_000,
  tags: ['database', 'failover', 'synchronous-replication', 'idempotency'],
  controls,
  run: (ctx) => {
    const settings = databaseSettings(ctx, controls);
    return runOnDatabase(
      ctx,
      {
        ...settings.stack,
        replicationLatencyMs: REPLICATION_LATENCY_MS,
      },
      async (stack) => {
        await DbWriteLoad.createTable(stack.router);
        const load = new DbWriteLoad(stack.router, {
          concurrency: WRITERS,
          maxDurationMs: 60_000,
          idempotencyKeys: settings.keyed,
          writeTimeoutMs: settings.writeTimeoutMs ?? 15_000,
        });
        let killedAt = 0;
        let resumedAt = 0;
        const takeovers: TakeoverReport[] = [];
        stack.managers.get('pg-b')?.onTakeover((t) => takeovers.push(t));
        return {
          title: primaryFailure.title,
          category: 'database',
          steady_state_hypothesis: {
            title: 'a write through the router is acknowledged',
            frequency_ms: 0,
            probes: [
              {
                name: 'one write acknowledged',
                probe: {
                  type: 'function',
                  fn: async () =>
                    (await stack.router.write((c) => c.query('select 1'), { timeoutMs: 10_000 })).node !== '',
                },
                tolerance: true,
              },
            ],
          },
          method: [
            {
              type: 'action',
              name: 'start the write load',
              run: async () => {
                load.start();
                await load.firstAckOn('pg-a', 0, 20_000);
              },
            },
            { type: 'pause', name: 'steady state', duration_ms: STEADY_MS },
            {
              type: 'action',
              name: 'the primary host fails: its replication link drops, then kill -9',
              run: async () => {
                ctx.setPhase('inject');
                // Measured from the first sign of the failure, the link drop (writes stall from then on).
                killedAt = performance.now();
                await stack.proxies.updateProxy('to-pg-a', { enabled: false });
                await new Promise((r) => setTimeout(r, LINK_DOWN_BEFORE_KILL_MS));
                const ackedWhileCut = load.acked.filter((w) => w.at >= killedAt).length;
                await stack.cluster.node('pg-a').kill();
                return { acked_before_kill: load.acked.length, acked_while_link_down: ackedWhileCut };
              },
            },
            {
              type: 'action',
              name: 'measure time to the first write acknowledged by the new primary',
              run: async ({ setMetric }) => {
                const first = await load.firstAckOn('pg-b', killedAt, 30_000);
                const value = first ? first.at - killedAt : Number.POSITIVE_INFINITY;
                resumedAt = first?.at ?? 0;
                if (first) setMetric('writes_resumed_ms', Math.round(value));
                const t = takeovers[0];
                if (t) {
                  // Where the time went: lease taken, old primary fenced, promoted, ready for writes.
                  setMetric('lease_won_ms', Math.round(t.leaseAt - killedAt));
                  setMetric('promoted_ms', Math.round(t.promotedAt - killedAt));
                  setMetric('leader_ready_ms', Math.round(t.readyAt - killedAt));
                }
                expectWithin(
                  'time from kill -9 to the first write acknowledged by the promoted standby',
                  value,
                  [0, RESUME_WITHIN_MS],
                  ' ms',
                );
                return { writes_resumed_ms: Math.round(value) };
              },
            },
            { type: 'pause', name: 'writes on the new primary', duration_ms: AFTER_MS },
            {
              type: 'action',
              name: 'check every acknowledged write, row by row',
              run: async ({ setMetric }) => {
                ctx.setPhase('recover');
                await load.stop();
                const node = stack.cluster.node('pg-b');
                const check = await checkLedger({ name: node.name, port: node.port }, load.acked);
                setMetric('acknowledged_writes', load.acked.length);
                setMetric('acknowledged_writes_lost', check.missing.length);
                setMetric('writes_applied_twice', check.duplicated.length);
                setMetric('failed_writes', load.failed.length);
                setMetric('writes_after_failover', load.acked.filter((w) => w.at >= resumedAt).length);
                expectWithin(
                  'acknowledged writes missing on the promoted standby',
                  check.missing.length,
                  [0, 0],
                  '',
                  () => `e.g. seq ${check.missing.slice(0, 5).join(', ')}`,
                );
                expectWithin(
                  'writes applied more than once',
                  check.duplicated.length,
                  [0, 0],
                  '',
                  () => `e.g. seq ${check.duplicated.slice(0, 5).join(', ')}`,
                );
                expectWithin('writes that failed', load.failed.length, [0, 0], '', () =>
                  load.failed
                    .slice(0, 3)
                    .map((f) => f.code)
                    .join(', '),
                );
                return { ...check, missing: check.missing.length, duplicated: check.duplicated.length };
              },
            },
          ],
          rollbacks: [{ type: 'action', name: 'stop the write load', run: () => load.stop() }],
        };
      },
    );
  },
};
