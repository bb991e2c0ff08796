import { nginxConfig } from './nginx-config.js';
import { startGeneratedProxy } from './start-generated-proxy.js';
import type { Target } from './target.js';

/**
 * Debian's nginx (open source), spawned per scenario as one foreground process
 * (`nginx -p DIR -c nginx.conf`, `master_process off`) on a free port, its config generated
 * from the scenario's gateway settings by `nginxConfig`.
 */
export const nginxTarget: Target = {
  name: 'nginx',
  title: 'nginx open source (Debian package), config generated per scenario',
  binary: { name: 'nginx', install: 'apt-get install -y nginx', paths: ['/usr/sbin/nginx'] },
  controls:
    'negative controls rewrite Faultline’s gateway config and run only on the faultline target (nginx does not express all of it)',
  capabilities: {
    retry_other_host: true,
    per_try_timeout: true,
    active_health_checks: 'nginx open source has no active health checks (health_check is NGINX Plus)',
    outlier_ejection: true,
    slow_start: 'nginx open source has no slow start (slow_start is NGINX Plus)',
    circuit_breaker: 'nginx has no circuit breaker (max_fails takes a host out, it does not fail fast)',
    adaptive_timeout: 'nginx has no adaptive timeout',
    concurrency_limit: 'nginx open source has no request queue (queue is NGINX Plus)',
    rate_limit: true,
    response_cache: true,
    admin_state: "nginx's state is not Faultline's admin API (the scenario reads it for its verdict)",
    embedded_stack: "the scenario's harness starts Faultline's own stack and has not been ported to targets",
    // The harness starts reference-service instances under its supervisor behind this target.
    reference_api: true,
    instance_processes: true,
  },
  start: (options) =>
    startGeneratedProxy(
      {
        name: 'nginx',
        // Off a non-root user's PATH, Debian's binary is still in /usr/sbin.
        fallbackPath: '/usr/sbin/nginx',
        configFile: 'nginx.conf',
        generate: (config, port, tmpDir) => nginxConfig(config, port, tmpDir),
        args: (file, tmpDir) => ['-p', tmpDir, '-c', file, '-e', 'stderr'],
      },
      options,
    ),
};
