import type { Logger } from 'pino';
import { PostgresCluster } from '../../chaos/postgres/index.js';
import type { ProcessSupervisor } from '../../chaos/process/index.js';
import { createProxyCollection, type ProxyCollection } from '../../chaos/proxy/index.js';
import {
  DatabaseRouter,
  type DatabaseRouterConfig,
  type DbNodeInput,
  EtcdLeaseStore,
  FailoverManager,
  type FailoverManagerConfig,
} from '../../stack/db/index.js';

export interface DatabaseStackOptions {
  /** Synchronous replication (false: the async negative control). @default true */
  synchronous?: boolean;
  /** Fencing (false: the no-fencing negative control). @default true */
  fencing?: boolean;
  /** Leader lease TTL, ms. @default 2000 */
  ttlMs?: number;
  /** Extra failover-manager settings for every node. */
  manager?: Partial<FailoverManagerConfig>;
  /** Extra router settings. */
  router?: Partial<DatabaseRouterConfig>;
  /** Latency added to each direction of every replication link, ms (a standby on another host). @default 0 */
  replicationLatencyMs?: number;
  supervisor?: ProcessSupervisor;
  tmpDir?: string;
  freePort?: () => Promise<number>;
  seed?: number;
  logger?: Logger;
}

/**
 * A Postgres cluster as the database scenarios, tests and the failover bench use it: a
 * primary (pg-a) and a synchronous standby (pg-b), an etcd, a failover manager per node, and a
 * router. Every link a partition may cut goes through a fault proxy:
 *
 * - `etcd-<node>`: the node's failover manager → etcd;
 * - `to-<node>`: other nodes → the node's Postgres (replication and the managers' peer checks);
 * - `etcd-client-<node>`: a second router "on the node's side" (`sideRouter`) → etcd.
 *
 * Clients (the routers) reach every node's Postgres directly, as an application would.
 */
export class DatabaseStack {
  readonly managers = new Map<string, FailoverManager>();
  readonly stores: EtcdLeaseStore[] = [];
  router!: DatabaseRouter;
  private readonly routers: DatabaseRouter[] = [];
  readonly prefix = '/faultline/db';

  private constructor(
    readonly cluster: PostgresCluster,
    readonly proxies: ProxyCollection,
    private readonly options: DatabaseStackOptions,
  ) {}

  static async start(options: DatabaseStackOptions = {}): Promise<DatabaseStack> {
    const proxies = createProxyCollection({ seed: options.seed ?? 1 });
    const latency = options.replicationLatencyMs ?? 0;
    let cluster: PostgresCluster | undefined;
    try {
      cluster = await PostgresCluster.start({
        ...(options.supervisor ? { supervisor: options.supervisor } : {}),
        ...(options.tmpDir ? { tmpDir: options.tmpDir } : {}),
        ...(options.freePort ? { freePort: options.freePort } : {}),
        replicationVia: async (_standby, primary) => {
          const name = `to-${primary.name}`;
          if (!(name in proxies.listProxies())) {
            await proxies.createProxy({
              name,
              listen: '127.0.0.1:0',
              upstream: `127.0.0.1:${primary.port}`,
              ...(latency > 0
                ? {
                    toxics: (['upstream', 'downstream'] as const).map((stream) => ({
                      name: `replication_latency_${stream}`,
                      type: 'latency',
                      stream,
                      attributes: { latency, jitter: 0 },
                    })),
                  }
                : {}),
            });
          }
          return addressOf(proxies.getProxy(name).listen);
        },
      });
      const stack = new DatabaseStack(cluster, proxies, options);
      await stack.boot();
      return stack;
    } catch (err) {
      await cluster?.close();
      await proxies.close();
      throw err;
    }
  }

  /** Every node as a router sees it (direct). */
  get nodes(): DbNodeInput[] {
    return this.cluster.nodes.map((n) => ({ name: n.name, port: n.port }));
  }

  private async proxy(name: string, upstream: string): Promise<{ host: string; port: number }> {
    if (!(name in this.proxies.listProxies())) {
      await this.proxies.createProxy({ name, listen: '127.0.0.1:0', upstream });
    }
    return addressOf(this.proxies.getProxy(name).listen);
  }

  private async etcdVia(name: string): Promise<string> {
    const etcd = this.cluster.etcd;
    if (!etcd) throw new Error('the cluster has no etcd');
    const { host, port } = await this.proxy(name, `127.0.0.1:${etcd.clientPort}`);
    return `http://${host}:${port}`;
  }

  private store(endpoint: string): EtcdLeaseStore {
    const store = new EtcdLeaseStore({ endpoints: [endpoint], prefix: this.prefix });
    this.stores.push(store);
    return store;
  }

  private async boot(): Promise<void> {
    for (const node of this.cluster.nodes) await this.proxy(`to-${node.name}`, `127.0.0.1:${node.port}`);
    // The first node first, so it is the first leader.
    for (const node of this.cluster.nodes) await this.startManager(node.name);
    this.router = await this.newRouter((this.cluster.etcd as { endpoint: string }).endpoint);
    await this.untilPrimary(this.router, 20_000);
    await this.untilSynchronous(20_000);
    await this.router.ensureSchema();
  }

  /** Starts (or starts again, after `stopManager`) the failover manager of `name`. */
  async startManager(name: string): Promise<FailoverManager> {
    const node = this.cluster.node(name);
    const peers = await Promise.all(
      this.cluster.nodes
        .filter((n) => n.name !== name)
        .map(async (n) => ({ name: n.name, ...(await this.proxy(`to-${n.name}`, `127.0.0.1:${n.port}`)) })),
    );
    const manager = new FailoverManager(
      {
        node: { name, port: node.port },
        peers,
        ttl_ms: this.options.ttlMs ?? 2000,
        synchronous: this.options.synchronous ?? true,
        fencing: this.options.fencing ?? true,
        ...this.options.manager,
      },
      this.store(await this.etcdVia(`etcd-${name}`)),
      this.options.logger,
    );
    this.managers.set(name, manager);
    await manager.start();
    return manager;
  }

  /** Stops the failover manager of `name` as if its agent died: no lease given up, no fence. */
  async stopManager(name: string): Promise<void> {
    await this.managers.get(name)?.close();
  }

  private async newRouter(
    etcdEndpoint: string,
    extra: Partial<DatabaseRouterConfig> = {},
  ): Promise<DatabaseRouter> {
    const router = new DatabaseRouter(
      { nodes: this.nodes, ...this.options.router, ...extra },
      this.store(etcdEndpoint),
      this.options.logger,
    );
    this.routers.push(router);
    await router.start();
    return router;
  }

  /** A router whose etcd link goes through `etcd-client-<node>`: cut it with the node to model a client on its side of a partition. */
  async sideRouter(node: string, extra: Partial<DatabaseRouterConfig> = {}): Promise<DatabaseRouter> {
    const router = await this.newRouter(await this.etcdVia(`etcd-client-${node}`), extra);
    await this.untilPrimary(router, 10_000);
    return router;
  }

  /** Resolves when `router` has a primary to write to. */
  async untilPrimary(router: DatabaseRouter, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (!router.primary) {
      if (performance.now() > deadline) throw new Error(`no primary within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return router.primary;
  }

  /** Resolves when the leader lists a synchronous standby (an acknowledged write is then on two nodes). */
  async untilSynchronous(timeoutMs: number): Promise<void> {
    if (this.options.synchronous === false) return;
    const store = this.stores[0] as EtcdLeaseStore;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const [leader, sync] = await Promise.all([store.leader(1000), store.sync(1000)]).catch(() => [
        undefined,
        undefined,
      ]);
      if (leader?.ready && sync?.leader === leader.node && sync.standbys.length > 0) return;
      if (performance.now() > deadline) throw new Error(`no synchronous standby within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The node holding the leader lease, per the managers. */
  leader(): string | undefined {
    return [...this.managers.values()].find((m) => !m.closed && m.role === 'primary')?.node.name;
  }

  /**
   * Cuts `node` off from etcd and from the other nodes (replication and peer checks), and any
   * side router of it from etcd. Its clients can still reach it.
   */
  async partition(node: string): Promise<void> {
    for (const name of [`etcd-${node}`, `to-${node}`, `etcd-client-${node}`]) {
      if (name in this.proxies.listProxies()) await this.proxies.updateProxy(name, { enabled: false });
    }
  }

  async heal(node: string): Promise<void> {
    for (const name of [`etcd-${node}`, `to-${node}`, `etcd-client-${node}`]) {
      if (name in this.proxies.listProxies()) await this.proxies.updateProxy(name, { enabled: true });
    }
  }

  /** Rebuilds a lost or fenced old primary as a standby of the current leader, and waits until it is synchronous again. */
  async rejoin(node: string, timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let leader = this.leader();
    while (!leader || leader === node) {
      if (performance.now() > deadline)
        throw new Error(`no other leader for ${node} to rejoin within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
      leader = this.leader();
    }
    await this.cluster.rejoin(node, leader);
    const manager = this.managers.get(node);
    if (manager?.closed) await this.startManager(node);
    await this.untilSynchronous(timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.routers.map((r) => r.close()));
    await Promise.all([...this.managers.values()].map((m) => m.close()));
    await Promise.all(this.stores.map((s) => s.close()));
    await this.proxies.close();
    await this.cluster.close();
  }
}

function addressOf(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}
