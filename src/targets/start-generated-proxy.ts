import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinary } from '../chaos/process/find-binary.js';
import { type GatewayConfig, gatewayConfigSchema } from '../stack/gateway/gateway-config.js';
import { logTargetOutput } from './log-output.js';
import { spawnOnFreePort } from './spawn-on-free-port.js';
import type { RunningTarget, TargetStartOptions } from './target.js';
import { waitForEntry } from './wait-for-entry.js';

/** How to run one third-party proxy from a config generated per scenario. */
export interface GeneratedProxy {
  /** Binary and process name, e.g. `haproxy`. */
  readonly name: string;
  /** Where Debian puts it when it is not on PATH (e.g. `/usr/sbin/haproxy` off a non-root PATH). */
  readonly fallbackPath: string;
  /** The config file's name in the scenario's temp dir, e.g. `haproxy.cfg`. */
  readonly configFile: string;
  /** The config text for the scenario's settings, listening on `port`, and what it could not express. */
  generate(config: GatewayConfig, port: number, tmpDir: string): { text: string; unsupported: string[] };
  /** The command line, given the config file's path and the temp dir. */
  args(file: string, tmpDir: string): string[];
}

/**
 * Starts a third-party proxy (HAProxy, nginx) for a scenario: writes its generated config on a free
 * port, spawns it under the harness's supervisor (ready once the port accepts), waits until the
 * entry answers HTTP, and logs its output on close. On any failure it stops what it started and
 * rethrows. One place, so each target file holds only its own binary, config and capabilities.
 */
export async function startGeneratedProxy(
  proxy: GeneratedProxy,
  { config, supervisor, tmpDir, freePort, signal, logger }: TargetStartOptions,
): Promise<RunningTarget> {
  const parsed = gatewayConfigSchema.parse(config);
  const command = (await findBinary(proxy.name, { extra: [proxy.fallbackPath] })) ?? proxy.name;
  const { port, proc, unsupported } = await spawnOnFreePort(freePort, async (port) => {
    const generated = proxy.generate(parsed, port, tmpDir);
    const file = join(tmpDir, proxy.configFile);
    await writeFile(file, generated.text);
    const proc = await supervisor.spawn({
      name: proxy.name,
      command,
      args: proxy.args(file, tmpDir),
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
}
