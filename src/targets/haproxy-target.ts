import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinary } from '../chaos/process/find-binary.js';
import { gatewayConfigSchema } from '../stack/gateway/gateway-config.js';
import { haproxyConfig } from './haproxy-config.js';
import { logTargetOutput } from './log-output.js';
import { spawnOnFreePort } from './spawn-on-free-port.js';
import type { RunningTarget, Target } from './target.js';
import { waitForEntry } from './wait-for-entry.js';

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
  },
  async start({ config, supervisor, tmpDir, freePort, signal, logger }): Promise<RunningTarget> {
    const parsed = gatewayConfigSchema.parse(config);
    // Off a non-root user's PATH, Debian's binary is still in /usr/sbin.
    const command = (await findBinary('haproxy', { extra: ['/usr/sbin/haproxy'] })) ?? 'haproxy';
    const { port, proc, unsupported } = await spawnOnFreePort(freePort, async (port) => {
      const generated = haproxyConfig(parsed, port);
      const file = join(tmpDir, 'haproxy.cfg');
      await writeFile(file, generated.text);
      const proc = await supervisor.spawn({
        name: 'haproxy',
        command,
        args: ['-db', '-f', file],
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
