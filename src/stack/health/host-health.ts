/** What a host looks like to the balancer right now. */
export type HostStatus = 'healthy' | 'unhealthy' | 'ejected';

export type HostChangeReason =
  | 'active_check_failed'
  | 'active_check_passed'
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'success_rate'
  | 'ejection_expired';

/** Emitted on every status change of a host: the metrics and the admin endpoint follow these. */
export interface HostStateChange {
  readonly cluster: string;
  readonly host: string;
  readonly from: HostStatus;
  readonly to: HostStatus;
  readonly reason: HostChangeReason;
  /** Epoch ms the ejection ends, when `to` is `ejected`. */
  readonly ejectedUntil?: number;
  readonly timesEjected: number;
  readonly at: number;
}

/**
 * The health facts of one host. Only `HostSet` changes them, so every change goes through one
 * place that emits the event.
 */
export class HostHealth {
  /** Last verdict of the active checks (hosts start healthy, as HAProxy's servers start UP). */
  activeHealthy = true;
  /** Epoch ms the current ejection ends; undefined when not ejected. */
  ejectedUntil: number | undefined;
  timesEjected = 0;
  /** When the host last became healthy (slow start ramps from here); -Infinity at boot. */
  healthySince = Number.NEGATIVE_INFINITY;

  constructor(
    readonly cluster: string,
    readonly id: string,
  ) {}

  get status(): HostStatus {
    if (this.ejectedUntil !== undefined) return 'ejected';
    return this.activeHealthy ? 'healthy' : 'unhealthy';
  }
}
