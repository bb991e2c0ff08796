import type { Scenario } from '../../runner/scenario.js';
import type { TakeoverReport } from '../../stack/db/index.js';
import { checkLedger, DbWriteLoad } from '../harness/db-write-load.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { runOnDatabase } from '../harness/run-on-database.js';
import { controlId, type DatabaseCapabilities, stackSettings } from './database-controls.js';

const STEADY_MS = 2000;
const AFTER_MS = 2000;
/** Hypothesis: writes resume on the promoted standby this soon after the kill (target 2 s). */
const RESUME_WITHIN_MS = 5000;
/** Latency of each direction of the replication link: the standby sits on another host. */
const REPLICATION_LATENCY_MS = 30;

/**
 * kill -9 of the primary (postmaster and every backend) under a write load. The failover
 * manager of the dead node gives its lease up, the synchronous standby takes it, fences the
 * old primary (dead: nothing to do), promotes itself, and the router re-points writes.
 */
export function createPrimaryFailure(capabilities: DatabaseCapabilities = {}, control?: string): Scenario {
  const settings = stackSettings(capabilities);
  const scenario: Scenario = {
    id: control ? controlId('database.primary-failure', control) : 'database.primary-failure',
    category: 'database',
    name: control ? `primary_failure~${control}` : 'primary_failure',
    title: 'Primary failure: kill -9 of the Postgres primary under a write load',
    description:
      'A primary and a synchronous standby (30 ms away), an etcd leader lease, 8 writers with idempotency keys. ' +
      'The primary is killed with SIGKILL. Hypothesis: writes resume on the promoted standby within 5 s, every ' +
      'acknowledged write is on it (checked row by row), none is applied twice, and no write fails.',
    needs: ['postgres-binaries', 'etcd', 'free-ports'],
    timeoutMs: 120_000,
    tags: ['database', 'failover', 'synchronous-replication', 'idempotency'],
    run: (ctx) =>
      runOnDatabase(
        ctx,
        {
          synchronous: settings.synchronous,
          fencing: settings.fencing,
          router: settings.router,
          replicationLatencyMs: REPLICATION_LATENCY_MS,
        },
        async (stack) => {
          await DbWriteLoad.createTable(stack.router);
          const load = new DbWriteLoad(stack.router, {
            concurrency: 8,
            maxDurationMs: 60_000,
            idempotencyKeys: settings.keyed,
            writeTimeoutMs: 15_000,
          });
          let killedAt = 0;
          let resumedAt = 0;
          const takeovers: TakeoverReport[] = [];
          stack.managers.get('pg-b')?.onTakeover((t) => takeovers.push(t));
          return {
            title: scenario.title,
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
                      (await stack.router.write((c) => c.query('select 1'), { timeoutMs: 10_000 })).node !==
                      '',
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
                name: 'kill -9 the primary',
                run: async () => {
                  ctx.setPhase('inject');
                  killedAt = performance.now();
                  await stack.cluster.node('pg-a').kill();
                  return { acked_before_kill: load.acked.length };
                },
              },
              {
                type: 'action',
                name: 'measure time to the first write acknowledged by the new primary',
                run: async ({ setMetric }) => {
                  const first = await load.firstAckOn('pg-b', killedAt, 30_000);
                  const value = first ? first.at - killedAt : Number.POSITIVE_INFINITY;
                  resumedAt = first?.at ?? 0;
                  setMetric('writes_resumed_ms', Math.round(value));
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
      ),
  };
  return scenario;
}

export const primaryFailure = createPrimaryFailure();

/** The negative controls: each removes one claimed capability and must make the scenario fail. */
export const primaryFailureControls: readonly { control: string; claim: string; scenario: Scenario }[] = [
  {
    control: 'async-replication',
    claim: 'every acknowledged write survives the primary',
    scenario: createPrimaryFailure({ synchronous: false }, 'async-replication'),
  },
  {
    control: 'no-idempotency-key',
    claim: 'a write retried across the failover is applied once',
    scenario: createPrimaryFailure({ idempotencyKeys: false }, 'no-idempotency-key'),
  },
];
