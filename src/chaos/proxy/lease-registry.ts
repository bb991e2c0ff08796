import { randomUUID } from 'node:crypto';
import { ProxyApiError } from './errors.js';

/** A lease as the API shows it. */
export interface LeaseJson {
  id: string;
  ttl_ms: number;
  /** ISO-8601 instant at which the lease expires unless renewed. */
  expires_at: string;
  /** Number of toxics currently tied to the lease. */
  toxics: number;
}

interface Lease {
  id: string;
  ttlMs: number;
  expiresAt: number;
  timer: NodeJS.Timeout;
  /** Removal callbacks of the toxics tied to this lease. */
  holders: Set<() => void>;
}

/**
 * The dead-man switch. A controller takes a lease with a time to live and renews it; toxics
 * created under the lease are removed when it expires (renewals stopped: the controller died)
 * or is released. Timers are unref'd: a lease never keeps a process alive on its own.
 */
export class LeaseRegistry {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly onExpired: (id: string, toxics: number) => void = () => {}) {}

  create(ttlMs: number): LeaseJson {
    const id = randomUUID();
    const lease: Lease = {
      id,
      ttlMs,
      expiresAt: 0,
      timer: undefined as unknown as NodeJS.Timeout,
      holders: new Set(),
    };
    this.leases.set(id, lease);
    this.arm(lease);
    return this.toJSON(lease);
  }

  renew(id: string, ttlMs?: number): LeaseJson {
    const lease = this.require(id);
    if (ttlMs !== undefined) lease.ttlMs = ttlMs;
    clearTimeout(lease.timer);
    this.arm(lease);
    return this.toJSON(lease);
  }

  get(id: string): LeaseJson {
    return this.toJSON(this.require(id));
  }

  /** Ends the lease now: its toxics are removed, as on expiry. */
  release(id: string): void {
    this.expire(this.require(id));
  }

  /** Throws 404 `lease not found` unless the lease exists. */
  require(id: string): Lease {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new ProxyApiError('leaseNotFound');
    return lease;
  }

  /** Ties a toxic's removal to the lease; returns a function that unties it. */
  attach(id: string, remove: () => void): () => void {
    const lease = this.require(id);
    lease.holders.add(remove);
    return () => lease.holders.delete(remove);
  }

  /** Drops every lease without removing toxics (the server is closing). */
  clear(): void {
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
  }

  private arm(lease: Lease): void {
    lease.expiresAt = Date.now() + lease.ttlMs;
    lease.timer = setTimeout(() => this.expire(lease), lease.ttlMs);
    lease.timer.unref();
  }

  private expire(lease: Lease): void {
    clearTimeout(lease.timer);
    if (this.leases.get(lease.id) !== lease) return;
    this.leases.delete(lease.id);
    const holders = [...lease.holders];
    lease.holders.clear();
    for (const remove of holders) remove();
    this.onExpired(lease.id, holders.length);
  }

  private toJSON(lease: Lease): LeaseJson {
    return {
      id: lease.id,
      ttl_ms: lease.ttlMs,
      expires_at: new Date(lease.expiresAt).toISOString(),
      toxics: lease.holders.size,
    };
  }
}
