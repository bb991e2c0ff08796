/**
 * bench/failover: consecutive failovers under a write load. For each contender, `--failovers`
 * times: kill -9 the primary's Postgres (postmaster and every backend: its process group),
 * measure the time from the kill to the first write acknowledged by the new primary, then
 * rebuild the killed node as a synchronous standby of the new one. At the end every
 * acknowledged write is looked up, row by row, on the last primary: lost and doubled writes
 * are counted.
 *
 *   npx tsx bench/failover/run.ts [--failovers 20] [--writers 4] [--contenders faultline,patroni] [--kill postgres|node]
 *
 * `--kill postgres` (default): kill -9 of the primary's Postgres only; the node's agent (failover
 * manager, Patroni) survives. `--kill node`: the agent is killed with it (a lost host).
 *
 * Contenders:
 * - `faultline`: the failover managers of src/stack/db on an etcd lease (TTL 2 s), the router
 *   re-pointed by the leader key.
 * - `patroni`: Debian's Patroni on the same kind of cluster and the same etcd (v3 API), with the
 *   shortest settings it runs with (ttl 10 s, loop_wait 1 s, retry_timeout 3 s), synchronous_mode
 *   on; the same router without a lease store finds the one writable node (libpq's
 *   target_session_attrs=read-write). See bench/failover/patroni.ts.
 *
 * The same load drives both: `--writers` closed-loop writers, each write one ledger row with an
 * idempotency key. Everything runs on free ports in temp dirs and is removed at the end.
 */
import { parseArgs } from 'node:util';
import { DatabaseStack } from '../../src/suite/harness/database-stack.js';
import { checkLedger, DbWriteLoad } from '../../src/suite/harness/db-write-load.js';
import { type FailoverContender, summarize } from './contender.js';
import { startPatroniContender } from './patroni.js';

const { values: args } = parseArgs({
  options: {
    failovers: { type: 'string', default: '20' },
    writers: { type: 'string', default: '4' },
    contenders: { type: 'string', default: 'faultline,patroni' },
    kill: { type: 'string', default: 'postgres' },
  },
});
const KILL = args.kill as 'postgres' | 'node';
const FAILOVERS = Number(args.failovers);
const WRITERS = Number(args.writers);
if (!(FAILOVERS > 0 && WRITERS > 0) || !['postgres', 'node'].includes(KILL)) {
  process.stderr.write(
    'usage: run.ts [--failovers N] [--writers N] [--contenders faultline,patroni] [--kill postgres|node]\n',
  );
  process.exit(2);
}

async function startFaultline(): Promise<FailoverContender> {
  const stack = await DatabaseStack.start({ ttlMs: 2000 });
  return {
    name: `faultline (${KILL} killed)`,
    router: stack.router,
    primary: () => stack.leader(),
    kill: async (node) => {
      // `node`: the failover manager dies with its Postgres, so nobody gives the lease up.
      if (KILL === 'node') await stack.stopManager(node);
      await stack.cluster.node(node).kill();
    },
    rejoin: (node) => stack.rejoin(node, 60_000),
    port: (node) => stack.cluster.node(node).port,
    close: () => stack.close(),
  };
}

async function runContender(contender: FailoverContender) {
  await DbWriteLoad.createTable(contender.router);
  const load = new DbWriteLoad(contender.router, {
    concurrency: WRITERS,
    maxDurationMs: 30 * 60_000,
    writeTimeoutMs: 60_000,
  }).start();
  const times: number[] = [];
  try {
    await load.firstAckOn(() => true, 0, 30_000);
    for (let i = 0; i < FAILOVERS; i++) {
      const old = contender.primary();
      if (!old) throw new Error('no primary');
      // Some writes on the primary before each kill.
      const warm = await load.firstAckOn(old, performance.now(), 30_000);
      if (!warm) throw new Error(`no write acknowledged by ${old} before failover ${i + 1}`);
      const killedAt = performance.now();
      await contender.kill(old);
      const dead = performance.now();
      // The first write sent after the old primary was dead and then acknowledged (by whichever
      // node leads now: Patroni restarts a killed Postgres in place when its agent survives).
      const first = await load.firstAck((w) => w.startedAt >= dead, 120_000);
      if (!first) throw new Error(`failover ${i + 1}: no write acknowledged within 120 s`);
      times.push(first.at - killedAt);
      process.stderr.write(
        `${contender.name} failover ${i + 1}/${FAILOVERS}: ${old} -> ${first.node}, first write after ${Math.round(first.at - killedAt)} ms\n`,
      );
      await contender.rejoin(old);
    }
  } finally {
    await load.stop();
  }
  const last = contender.primary() as string;
  const check = await checkLedger({ name: last, port: contender.port(last) }, load.acked);
  return {
    contender: contender.name,
    failovers: times.length,
    ...summarize(times),
    acknowledged_writes: load.acked.length,
    acknowledged_writes_lost: check.missing.length,
    writes_applied_twice: check.duplicated.length,
    failed_writes: load.failed.length,
  };
}

const results = [];
for (const name of args.contenders.split(',')) {
  let contender: FailoverContender | undefined;
  try {
    contender = name === 'patroni' ? await startPatroniContender(KILL) : await startFaultline();
    results.push(await runContender(contender));
  } catch (err) {
    results.push({ contender: name, error: err instanceof Error ? err.message : String(err) });
  } finally {
    await contender?.close();
  }
  process.stdout.write(`${JSON.stringify(results.at(-1))}\n`);
}
const ours = results.find((r) => r.contender === 'faultline' && 'median_ms' in r) as
  | { median_ms: number }
  | undefined;
const theirs = results.find((r) => r.contender === 'patroni' && 'median_ms' in r) as
  | { median_ms: number }
  | undefined;
if (ours && theirs) {
  process.stdout.write(
    `${JSON.stringify({ patroni_median_over_faultline_median: theirs.median_ms / ours.median_ms })}\n`,
  );
}
process.exit(0);
