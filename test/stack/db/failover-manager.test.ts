import { afterEach, describe, expect, it } from 'vitest';
import type { RoleChange, TakeoverReport } from '../../../src/stack/db/index.js';
import { DatabaseStack } from '../../../src/suite/harness/database-stack.js';
import { checkLedger, DbWriteLoad } from '../../../src/suite/harness/db-write-load.js';
import { clusterUnavailable } from './cluster-available.js';

const unavailable = clusterUnavailable();
let stack: DatabaseStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe.skipIf(unavailable !== null)('FailoverManager on a real cluster', () => {
  it('kill -9 of the primary under writes: the synchronous standby takes over, no acknowledged write lost or applied twice', {
    timeout: 120_000,
  }, async () => {
    stack = await DatabaseStack.start();
    expect(stack.leader()).toBe('pg-a');
    await DbWriteLoad.createTable(stack.router);
    const takeovers: TakeoverReport[] = [];
    stack.managers.get('pg-b')?.onTakeover((r) => takeovers.push(r));
    const load = new DbWriteLoad(stack.router, { concurrency: 4, maxDurationMs: 60_000 }).start();
    await load.firstAckOn('pg-a', 0, 20_000);
    while (load.acked.length < 50) await load.firstAckOn('pg-a', performance.now(), 20_000);

    const killedAt = performance.now();
    await stack.cluster.node('pg-a').kill();
    const first = await load.firstAckOn('pg-b', killedAt, 30_000);
    expect(first, 'a write acknowledged by the promoted standby').toBeDefined();
    while (load.acked.filter((w) => w.node === 'pg-b').length < 30)
      await load.firstAckOn('pg-b', performance.now(), 20_000);
    await load.stop();

    expect(stack.leader()).toBe('pg-b');
    expect(takeovers).toHaveLength(1);
    const [t] = takeovers as [TakeoverReport];
    expect(t.promoted).toBe(true);
    // Steps in order: lease, fence, promote, ready; and the router re-pointed writes after.
    expect(t.leaseAt).toBeLessThanOrEqual(t.fencedAt);
    expect(t.fencedAt).toBeLessThanOrEqual(t.promotedAt);
    expect(t.promotedAt).toBeLessThanOrEqual(t.readyAt);
    expect(first?.at).toBeGreaterThanOrEqual(t.readyAt);
    expect(stack.router.primary).toBe('pg-b');

    const check = await checkLedger({ name: 'pg-b', port: stack.cluster.node('pg-b').port }, load.acked);
    expect(check.missing).toEqual([]);
    expect(check.duplicated).toEqual([]);
    expect(load.failed).toEqual([]);
  });

  it('a partitioned primary fences itself within the lease TTL; its side of the partition has every write refused, and exactly one node accepts writes', {
    timeout: 120_000,
  }, async () => {
    stack = await DatabaseStack.start({ ttlMs: 2000 });
    await DbWriteLoad.createTable(stack.router);
    const side = await stack.sideRouter('pg-a', { write_timeout_ms: 1500, attempt_timeout_ms: 500 });
    const roles: RoleChange[] = [];
    stack.managers.get('pg-a')?.onRoleChange((c) => roles.push(c));
    const takeovers: TakeoverReport[] = [];
    stack.managers.get('pg-b')?.onTakeover((r) => takeovers.push(r));
    const rejected: string[] = [];
    side.onWriteRejected((r) => {
      if (r.node === 'pg-a') rejected.push(r.code);
    });

    await stack.partition('pg-a');
    const fenced = await until(() => roles.find((r) => r.role === 'fenced'), 10_000);

    // The side router still believes pg-a leads (it cannot read etcd): its writes are refused.
    expect(side.primary).toBe('pg-a');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        side.write((c) => c.query('insert into faultline_ledger (seq) values ($1)', [-1 - i]), {
          idempotencyKey: `side-${i}`,
        }),
      ),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(rejected.length).toBeGreaterThanOrEqual(5);
    expect(rejected.every((code) => code === 'FL_DB_FENCED')).toBe(true);

    // The other side elects pg-b and takes writes.
    await until(() => (stack?.router.primary === 'pg-b' ? true : undefined), 20_000);
    // The old primary was fenced before the new leader could take the lease (one writer at a time).
    expect(takeovers).toHaveLength(1);
    expect(fenced.at).toBeLessThan((takeovers[0] as TakeoverReport).leaseAt);
    const ok = await stack.router.write((c) => c.query('insert into faultline_ledger (seq) values (1)'), {
      idempotencyKey: 'after',
    });
    expect(ok.node).toBe('pg-b');
    const writable = await Promise.all(
      stack.cluster.nodes.map(async (n) => {
        const st = stack?.router.nodes().find((v) => v.name === n.name)?.status;
        return st !== undefined && !st.inRecovery && !st.readOnly;
      }),
    );
    expect(writable.filter(Boolean)).toHaveLength(1);
  });
});

async function until<T>(f: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
