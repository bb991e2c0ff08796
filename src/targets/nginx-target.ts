import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinary } from '../chaos/process/find-binary.js';
import { gatewayConfigSchema } from '../stack/gateway/gateway-config.js';
import { logTargetOutput } from './log-output.js';
import { nginxConfig } from './nginx-config.js';
import { spawnOnFreePort } from './spawn-on-free-port.js';
import type { RunningTarget, Target } from './target.js';
import { waitForEntry } from './wait-for-entry.js';

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
  },
  async start({ config, supervisor, tmpDir, freePort, signal, logger }): Promise<RunningTarget> {
    const parsed = gatewayConfigSchema.parse(config);
    // Off a non-root user's PATH, Debian's binary is still in /usr/sbin.
    const command = (await findBinary('nginx', { extra: ['/usr/sbin/nginx'] })) ?? 'nginx';
    const { port, proc, unsupported } = await spawnOnFreePort(freePort, async (port) => {
      const generated = nginxConfig(parsed, port, tmpDir);
      const file = join(tmpDir, 'nginx.conf');
      await writeFile(file, generated.text);
      const proc = await supervisor.spawn({
        name: 'nginx',
        command,
        args: ['-p', tmpDir, '-c', file, '-e', 'stderr'],
        ready: { type: 'tcp', port },
        ready_timeout_ms: 10_000,
        kill_grace_ms: 1000,
      });
      return { port, proc, unsupported: generated.unsupported };
    });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        logTargetOutput(proc, logger);
        await proc.close(1000).catch(() => {});
      })();
      return closing;
    };
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForEntry(url, { ...(signal ? { signal } : {}) });
    } catch (err) {
      await close();
      throw err;
    }
    return { url, processes: [proc], unsupported, close };
  },
};
