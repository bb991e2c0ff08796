import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresCluster } from '../../src/chaos/postgres/index.js';
import { freePort, type ManagedProcess } from '../../src/chaos/process/index.js';
import { DatabaseRouter } from '../../src/stack/db/index.js';
import type { FailoverContender } from './contender.js';

/**
 * Patroni's shortest timings here: loop_wait 1 s (its minimum), retry_timeout 3 s, and ttl 10 s
 * (Patroni requires loop_wait + 2 × retry_timeout ≤ ttl; its docs advise ttl ≥ 20 s).
 */
export const PATRONI_DCS = { ttl: 10, loop_wait: 1, retry_timeout: 3 };

interface PatroniMember {
  name: string;
  role: string;
  state: string;
  port: number;
}

/**
 * Two Patroni nodes (Debian's `patroni`, etcd v3 API) on the etcd of a managed cluster, each
 * running its own Postgres from the same binaries, synchronous_mode on. The managed cluster's
 * own Postgres nodes are not used (`standbys: 0` and its primary stopped): only its etcd,
 * supervisor and temp dir.
 */
export async function startPatroniContender(kill: 'postgres' | 'node' = 'node'): Promise<FailoverContender> {
  const base = await PostgresCluster.start({ standbys: 0, names: ['unused'] });
  const user = base.binaries.user;
  const etcd = base.etcd as { clientPort: number };
  const nodes = new Map<string, { pgPort: number; apiPort: number; dir: string; proc?: ManagedProcess }>();
  const spawnNode = async (name: string) => {
    const node = nodes.get(name) as { pgPort: number; apiPort: number; dir: string; proc?: ManagedProcess };
    if (node.proc) {
      await node.proc.start();
      return;
    }
    node.proc = await base.supervisor.spawn({
      name: `patroni-${name}`,
      command: 'patroni',
      args: [join(node.dir, 'patroni.yml')],
      env: { HOME: node.dir, PATRONI_LOG_LEVEL: 'WARNING' },
      ...(user ?? {}),
      ready: { type: 'tcp', port: node.apiPort },
      ready_timeout_ms: 60_000,
      kill_grace_ms: 5000,
    });
  };
  try {
    await base.node('unused').stop();
    for (const name of ['pat-a', 'pat-b']) {
      const dir = join(base.dir, name);
      mkdirSync(dir, { recursive: true });
      const pgPort = await freePort();
      const apiPort = await freePort();
      const yaml = `scope: faultline-bench
name: ${name}
restapi:
  listen: 127.0.0.1:${apiPort}
  connect_address: 127.0.0.1:${apiPort}
etcd3:
  hosts: 127.0.0.1:${etcd.clientPort}
bootstrap:
  dcs:
    ttl: ${PATRONI_DCS.ttl}
    loop_wait: ${PATRONI_DCS.loop_wait}
    retry_timeout: ${PATRONI_DCS.retry_timeout}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_log_hints: 'on'
        fsync: 'off'
        full_page_writes: 'off'
        max_connections: 60
        shared_buffers: 16MB
        wal_sender_timeout: 3s
        wal_receiver_timeout: 3s
  initdb:
  - encoding: UTF8
postgresql:
  listen: 127.0.0.1:${pgPort}
  connect_address: 127.0.0.1:${pgPort}
  data_dir: ${join(dir, 'data')}
  bin_dir: ${base.binaries.bin}
  pgpass: ${join(dir, 'pgpass')}
  authentication:
    superuser: {username: postgres, password: faultline}
    replication: {username: postgres, password: faultline}
    rewind: {username: postgres, password: faultline}
  parameters:
    unix_socket_directories: '${dir}'
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
`;
      writeFileSync(join(dir, 'patroni.yml'), yaml);
      if (user) {
        chownSync(dir, user.uid, user.gid);
        chownSync(join(dir, 'patroni.yml'), user.uid, user.gid);
      }
      nodes.set(name, { pgPort, apiPort, dir });
    }
    await spawnNode('pat-a');
    await until(
      async () => (await members(nodes.get('pat-a')?.apiPort as number)).some((m) => m.role === 'leader'),
      90_000,
    );
    await spawnNode('pat-b');
    // Patroni 3.0 (Debian 12's) reports a replica as `running` whether it streams or not (the
    // `streaming` state came in 3.0.4), so the leader's pg_stat_replication decides.
    const healthy = async () => {
      for (const { apiPort } of nodes.values()) {
        const ms = await members(apiPort).catch(() => []);
        const leader = ms.find((m) => m.role === 'leader' && m.state === 'running');
        const sync = ms.find((m) => m.role === 'sync_standby');
        if (leader && sync && (await streamsSynchronously(leader.port, sync.name))) return true;
      }
      return false;
    };
    await until(healthy, 120_000);
    const router = new DatabaseRouter({
      nodes: [...nodes].map(([name, n]) => ({ name, port: n.pgPort, password: 'faultline' })),
      health_interval_ms: 100,
    });
    await router.start();
    await until(async () => router.primary !== undefined, 30_000);
    await router.ensureSchema();
    let leader: string | undefined = router.primary;
    router.onPrimaryChange((c) => {
      if (c.node) leader = c.node;
    });
    return {
      name: `patroni (${kill} killed)`,
      router,
      primary: () => leader,
      kill: async (name) => {
        const node = nodes.get(name);
        if (!node) return;
        const postmaster = Number(
          readFileSync(join(node.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
        );
        if (kill === 'node') await node.proc?.kill();
        try {
          process.kill(-postmaster, 'SIGKILL');
        } catch {
          process.kill(postmaster, 'SIGKILL');
        }
      },
      rejoin: async (name) => {
        if (kill === 'node') await spawnNode(name);
        await until(healthy, 180_000);
      },
      port: (name) => nodes.get(name)?.pgPort as number,
      close: async () => {
        await router.close();
        await base.close();
      },
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

async function members(apiPort: number): Promise<PatroniMember[]> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/cluster`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { members?: PatroniMember[] };
  return body.members ?? [];
}

/** Whether the Postgres on `port` has `standby` streaming to it as its synchronous standby. */
async function streamsSynchronously(port: number, standby: string): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'faultline',
    database: 'postgres',
  });
  try {
    await client.connect();
    const { rows } = await client.query(
      "select 1 from pg_stat_replication where application_name = $1 and state = 'streaming' and sync_state = 'sync'",
      [standby],
    );
    return rows.length === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`patroni: not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
