import { Pool } from 'undici';
import type { BalancerHost } from '../balancer/balancer.js';
import type { HostHealth } from '../health/host-health.js';
import type { HostSet } from '../health/host-set.js';
import type { Policy } from '../policy/policy.js';
import type { TimeoutsConfig } from '../timeout/timeouts-config.js';
import { ConnectionSlots } from './connection-slots.js';
import type { ConnectionsConfig } from './gateway-config.js';

/** What the gateway needs of a circuit breaker: a Policy whose state it can read before picking. */
export interface StatefulBreaker extends Policy {
  readonly state: 'closed' | 'open' | 'half-open';
}

/**
 * One upstream host of a cluster: its keep-alive pool, its connection cap, its health and its
 * breaker. `weight` is the effective weight a balancer sees (slow start applied).
 */
export class UpstreamHost implements BalancerHost {
  readonly id: string;
  readonly pool: Pool;
  readonly slots: ConnectionSlots;
  readonly connectMs: number;
  activeRequests = 0;

  constructor(
    readonly origin: string,
    readonly configuredWeight: number,
    readonly health: HostHealth,
    private readonly hostSet: HostSet,
    connections: ConnectionsConfig,
    timeouts: TimeoutsConfig,
    readonly breaker: StatefulBreaker | undefined,
  ) {
    this.id = origin;
    this.connectMs = timeouts.connectMs;
    this.slots = new ConnectionSlots(
      origin,
      connections.maxPerHost,
      connections.queueTimeoutMs,
      connections.retryAfterSeconds,
    );
    this.pool = new Pool(origin, {
      connections: connections.maxPerHost,
      pipelining: 1,
      keepAliveTimeout: connections.keepAliveTimeoutMs,
      connect: { timeout: timeouts.connectMs },
      // Timeouts are ours (per try, overall) and enforced with abort signals.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  get weight(): number {
    return this.configuredWeight * this.hostSet.weightFactor(this.health);
  }

  /** Not picked while its breaker is open (half-open hosts are picked and probed). */
  get breakerAllows(): boolean {
    return this.breaker?.state !== 'open';
  }
}
