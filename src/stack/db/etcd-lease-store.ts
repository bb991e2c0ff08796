import { noop } from 'cockatiel';
import { Etcd3, type Lease } from 'etcd3';
import { z } from 'zod';
import { LeaseStoreError } from './db-errors.js';
import type { HeldLease, LeaderRecord, LeaseStore, SyncRecord } from './lease-store.js';

/** Where the cluster's keys live in etcd, and how to reach it. */
export const etcdLeaseStoreSchema = z.strictObject({
  /**
   * etcd client URLs (v3 gRPC). @example ['http://127.0.0.1:2379']
   */
  endpoints: z.array(z.string().url()).min(1),
  /** Key prefix of this cluster: `<prefix>/leader`, `<prefix>/sync`. @default '/faultline/db' */
  prefix: z.string().min(1).default('/faultline/db'),
  /** Time to connect to etcd, ms. @default 1000 */
  dial_timeout_ms: z.number().int().positive().default(1000),
});
export type EtcdLeaseStoreConfig = z.input<typeof etcdLeaseStoreSchema>;

interface LeaderValue {
  node: string;
  ready: boolean;
}

const deadline = (ms: number) => ({ deadline: new Date(Date.now() + ms) });

async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LeaseStoreError(`${what}: no answer from etcd within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (err) {
    throw err instanceof LeaseStoreError
      ? err
      : new LeaseStoreError(`${what}: ${String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The lease store on etcd v3 (the `etcd3` client). The leader key is created in a transaction
 * only if it does not exist (`create_revision == 0`) and attached to a lease; the create
 * revision is the fencing token. Keepalives are sent one at a time by the caller (no automatic
 * keepalive), so the caller knows exactly when it last proved its lease alive. The client's own
 * retries and breakers are off: the failover manager has its own deadlines.
 */
export class EtcdLeaseStore implements LeaseStore {
  private readonly client: Etcd3;
  private readonly leaderKey: string;
  private readonly syncKey: string;

  constructor(config: EtcdLeaseStoreConfig) {
    const c = etcdLeaseStoreSchema.parse(config);
    this.client = new Etcd3({
      hosts: c.endpoints,
      dialTimeout: c.dial_timeout_ms,
      faultHandling: { host: () => noop, global: noop },
    });
    this.leaderKey = `${c.prefix}/leader`;
    this.syncKey = `${c.prefix}/sync`;
  }

  async campaign(node: string, ttlMs: number, timeoutMs: number): Promise<HeldLease | undefined> {
    const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
    lease.on('lost', () => {});
    try {
      const id = await within('grant lease', timeoutMs, lease.grant());
      const value: LeaderValue = { node, ready: false };
      const result = await within(
        'campaign',
        timeoutMs,
        this.client
          .if(this.leaderKey, 'Create', '==', 0)
          .then(this.client.put(this.leaderKey).value(JSON.stringify(value)).lease(id))
          .options(deadline(timeoutMs))
          .commit(),
      );
      if (!result.succeeded) {
        await lease.revoke(deadline(timeoutMs)).catch(() => {});
        return undefined;
      }
      return new EtcdHeldLease(this, lease, id, node, BigInt(result.header.revision), ttlSeconds * 1000);
    } catch (err) {
      lease.release();
      throw err;
    }
  }

  async leader(timeoutMs: number): Promise<LeaderRecord | undefined> {
    const res = await within(
      'read leader',
      timeoutMs,
      this.client.get(this.leaderKey).options(deadline(timeoutMs)).exec(),
    );
    const kv = res.kvs[0];
    if (!kv) return undefined;
    const value = JSON.parse(kv.value.toString()) as LeaderValue;
    return { node: value.node, ready: value.ready, token: BigInt(kv.create_revision) };
  }

  async sync(timeoutMs: number): Promise<SyncRecord | undefined> {
    const text = await within(
      'read sync',
      timeoutMs,
      this.client.get(this.syncKey).options(deadline(timeoutMs)).string(),
    );
    return text === null ? undefined : (JSON.parse(text) as SyncRecord);
  }

  /** @internal A put that only succeeds while `leaseId` still holds the leader key. */
  async putIfLeader(
    leaseId: string,
    key: 'leader' | 'sync',
    value: unknown,
    timeoutMs: number,
  ): Promise<void> {
    const put = this.client
      .put(key === 'leader' ? this.leaderKey : this.syncKey)
      .value(JSON.stringify(value));
    const result = await within(
      `write ${key}`,
      timeoutMs,
      this.client
        .if(this.leaderKey, 'Lease', '==', leaseId)
        .then(key === 'leader' ? put.lease(leaseId) : put)
        .options(deadline(timeoutMs))
        .commit(),
    );
    if (!result.succeeded)
      throw new LeaseStoreError(`write ${key}: this node no longer holds the leader key`);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

class EtcdHeldLease implements HeldLease {
  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly lease: Lease,
    private readonly id: string,
    readonly node: string,
    readonly token: bigint,
    private readonly ttlMs: number,
  ) {}

  async renew(timeoutMs: number): Promise<number> {
    const sentAt = performance.now();
    const res = await within('keepalive', timeoutMs, this.lease.keepaliveOnce(deadline(timeoutMs)));
    if (Number(res.TTL) <= 0) throw new LeaseStoreError('keepalive: the lease has expired');
    return sentAt + this.ttlMs;
  }

  markReady(timeoutMs: number): Promise<void> {
    return this.store.putIfLeader(this.id, 'leader', { node: this.node, ready: true }, timeoutMs);
  }

  writeSync(standbys: string[], timeoutMs: number): Promise<void> {
    const record: SyncRecord = { leader: this.node, standbys };
    return this.store.putIfLeader(this.id, 'sync', record, timeoutMs);
  }

  async release(timeoutMs: number): Promise<void> {
    await within('revoke lease', timeoutMs, this.lease.revoke(deadline(timeoutMs)));
  }
}
