import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import type { GatewayState } from '../stack/gateway/gateway-state.js';
import type { Capability } from './capability.js';
import { listeningLine, listeningPattern } from './listening-line.js';
import { nodeEntry, privateListenerEnv } from './node-entry.js';
import type { RunningTarget, Target, TargetAdmin } from './target.js';
import { TargetError } from './target-errors.js';

const all = (): Record<Capability, true> => ({
  retry_other_host: true,
  per_try_timeout: true,
  active_health_checks: true,
  outlier_ejection: true,
  slow_start: true,
  circuit_breaker: true,
  adaptive_timeout: true,
  concurrency_limit: true,
  rate_limit: true,
  response_cache: true,
  admin_state: true,
  embedded_stack: true,
  reference_api: true,
  instance_processes: true,
});

/**
 * Faultline's own gateway (`src/stack/gateway/main`), the default target: the scenario's
 * config is its native config, so nothing is left unexpressed. It binds port 0 and announces
 * its ports, and is ready once its admin API sees every host healthy.
 */
export const faultlineTarget: Target = {
  name: 'faultline',
  title: "Faultline's gateway (embedded; the scenario's config as is)",
  controls: true,
  capabilities: all(),
  async start({ config, supervisor, tmpDir, signal }): Promise<RunningTarget> {
    // Port 0: the gateway binds its own ports and announces them, so no other process can
    // take them between our choice and its bind (it is never restarted, so no fixed port needed).
    const configPath = join(tmpDir, 'gateway.json');
    await writeFile(
      configPath,
      JSON.stringify(
        { ...config, listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
        null,
        2,
      ),
    );
    const entry = nodeEntry('stack/gateway/main');
    const gateway = await supervisor.spawn({
      name: 'gateway',
      command: entry.command,
      // The suite's gateway listens on loopback only: a FAULTLINE_TOKEN the user exported for their
      // own listeners must not lock the harness out of its admin API.
      env: privateListenerEnv,
      args: [...entry.args, '--config', configPath],
      ready: { type: 'log', pattern: listeningPattern },
      ready_timeout_ms: 20_000,
      kill_grace_ms: 2000,
    });
    const close = () => gateway.close(1000).catch(() => {});
    try {
      const announced = listeningLine(gateway);
      const url = String(announced.url ?? `http://127.0.0.1:${announced.port}`).replace(/\/$/, '');
      const adminUrl = String(announced.admin_url ?? `http://127.0.0.1:${announced.admin_port}`).replace(
        /\/$/,
        '',
      );
      const admin: TargetAdmin = { url: adminUrl, upstreams: () => fetchUpstreams(adminUrl) };
      await waitForAllHealthy(admin, signal);
      return { url, processes: [gateway], unsupported: [], admin, close };
    } catch (err) {
      await close();
      throw err;
    }
  },
};

async function fetchUpstreams(adminUrl: string): Promise<GatewayState> {
  const res = await request(`${adminUrl}/admin/upstreams`, { signal: AbortSignal.timeout(2000) });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new TargetError(`gateway admin answered ${res.statusCode} to /admin/upstreams`);
  }
  return (await res.body.json()) as GatewayState;
}

/** Until the gateway sees every host of every cluster healthy (10 s at most). */
async function waitForAllHealthy(admin: TargetAdmin, signal?: AbortSignal): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last: GatewayState | undefined;
  for (;;) {
    signal?.throwIfAborted();
    try {
      last = await admin.upstreams();
      if (Object.values(last.clusters).every((c) => c.hosts.every((h) => h.status === 'healthy'))) return;
    } catch (err) {
      if (err instanceof TargetError) throw err;
    }
    if (performance.now() > deadline) {
      throw new TargetError(
        `gateway upstreams did not all become healthy within 10000 ms: ${JSON.stringify(last?.clusters)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
