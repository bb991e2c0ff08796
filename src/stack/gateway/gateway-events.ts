import type { HostStateChange } from '../health/host-health.js';
import type { PanicChange } from '../health/host-set.js';

/** One client request finished (answered, failed, or abandoned by the client). */
export interface RequestCompleted {
  readonly route: string;
  readonly cluster: string;
  readonly method: string;
  readonly status: number;
  readonly durationMs: number;
  /** Tries sent upstream (0 when shed or rejected before any). */
  readonly attempts: number;
  readonly requestId: string;
  /** The error code when the gateway answered itself (FL_GW_TIMEOUT, FL_BROKEN_CIRCUIT, …). */
  readonly code?: string;
}

export interface RetryScheduled {
  readonly route: string;
  readonly cluster: string;
  /** 1 = the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
}

/** A request turned away without reaching an upstream: overload or nothing healthy. */
export interface RequestShed {
  readonly route: string;
  readonly cluster: string;
  /** The error code: FL_GW_POOL_EXHAUSTED, FL_SHED (concurrency), FL_BROKEN_CIRCUIT, FL_GW_NO_HEALTHY_UPSTREAM, FL_GW_DRAINING. */
  readonly reason: string;
}

export interface BreakerStateChange {
  readonly scope: 'host' | 'route';
  /** The host origin or the route name. */
  readonly name: string;
  readonly cluster: string;
  readonly from: 'closed' | 'open' | 'half-open';
  readonly to: 'closed' | 'open' | 'half-open';
}

export type { HostStateChange, PanicChange };
