/**
 * A load-balancing algorithm: picks one host among the hosts that are eligible right now.
 * The caller (an upstream cluster) decides eligibility (health, ejection, breaker, panic
 * mode) and passes each host's effective weight (slow start scales it), so a balancer only
 * chooses; it never tracks health.
 */
export interface BalancerHost {
  /** Stable identity across picks (the host's origin), used to keep per-host state. */
  readonly id: string;
  /** Effective weight, > 0: the configured weight scaled by slow start. */
  readonly weight: number;
  /** Requests in flight to this host right now. */
  readonly activeRequests: number;
}

export interface Balancer {
  /** One of `hosts`, or undefined when the list is empty. */
  pick<H extends BalancerHost>(hosts: readonly H[]): H | undefined;
}
