import { haproxyConfig } from './haproxy-config.js';
import { startGeneratedProxy } from './start-generated-proxy.js';
import type { Target } from './target.js';

/**
 * Debian's HAProxy (2.x), spawned per scenario (`haproxy -db -f haproxy.cfg`) on a free port,
 * its config generated from the scenario's gateway settings by `haproxyConfig`.
 */
export const haproxyTarget: Target = {
  name: 'haproxy',
  title: 'HAProxy (Debian package), config generated per scenario',
  binary: { name: 'haproxy', install: 'apt-get install -y haproxy', paths: ['/usr/sbin/haproxy'] },
  controls:
    'negative controls rewrite Faultline’s gateway config and run only on the faultline target (HAProxy does not express all of it)',
  capabilities: {
    retry_other_host: true,
    per_try_timeout: true,
    active_health_checks: true,
    outlier_ejection: true,
    slow_start: true,
    circuit_breaker:
      'HAProxy has no circuit breaker (observe layer7 marks a host down, it does not fail fast)',
    adaptive_timeout: 'HAProxy has no adaptive timeout',
    concurrency_limit: true,
    rate_limit: true,
    response_cache: 'the HAProxy target maps no response cache (HAProxy’s cache has no stale-if-error)',
    admin_state: "HAProxy's state is not Faultline's admin API (the scenario reads it for its verdict)",
    embedded_stack: "the scenario's harness starts Faultline's own stack and has not been ported to targets",
    // The harness starts reference-service instances under its supervisor behind this target.
    reference_api: true,
    instance_processes: true,
  },
  start: (options) =>
    startGeneratedProxy(
      {
        name: 'haproxy',
        // Off a non-root user's PATH, Debian's binary is still in /usr/sbin.
        fallbackPath: '/usr/sbin/haproxy',
        configFile: 'haproxy.cfg',
        generate: (config, port) => haproxyConfig(config, port),
        args: (file) => ['-db', '-f', file],
      },
      options,
    ),
};
