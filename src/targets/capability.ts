/**
 * What a scenario's claims may need from the system under test, and what a target has. A
 * scenario that needs a capability its target lacks is `skipped` on that target with the
 * target's reason, never `passed`. Names follow the field (Envoy, HAProxy, nginx).
 */
export const CAPABILITIES = {
  retry_other_host: 'a failed or timed-out try is retried on another host',
  per_try_timeout: 'each try has its own deadline (time to the response headers)',
  active_health_checks: 'hosts are probed out of band (HTTP checks with rise/fall)',
  outlier_ejection: 'hosts failing client traffic are taken out passively',
  slow_start: 'a re-admitted host ramps its share of traffic up',
  circuit_breaker: 'a breaker (per host or per route) fails requests fast while open',
  adaptive_timeout: 'the per-try deadline follows the observed latency',
  concurrency_limit: 'requests in flight are capped, with a bounded queue',
  rate_limit: 'requests beyond a rate are refused with 429',
  response_cache: 'responses are cached and served stale when the origin fails',
  admin_state: "the load balancer's own view of its hosts and routes (Faultline's admin API)",
  embedded_stack: "the scenario's harness starts Faultline's own stack (not ported to targets)",
  reference_api:
    "the instances serve the reference service's API (/items, /slow, /admin/stats, X-Instance-Id), which the scenario's load and judgement use",
  instance_processes: 'Faultline can kill -9 an instance and start it again, freeze it, or find its pid',
} as const;

export type Capability = keyof typeof CAPABILITIES;

export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as [Capability, ...Capability[]];
