import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { logTargetOutput } from '../log-output.js';
import { spawnOnFreePort } from '../spawn-on-free-port.js';
import type { RunningTarget, TargetStartOptions } from '../target.js';
import { TargetError } from '../target-errors.js';
import { waitForEntry } from '../wait-for-entry.js';
import type { ExternalStackFile } from './load-external-target.js';
import { fillPlaceholders } from './placeholders.js';

/**
 * Starts (or waits for) the entry point of an external target, in front of the instances' fault
 * proxies (`options.instances`). Without `entry.command` the user's balancer is already running
 * at `entry.url`, pointing at the proxies' fixed addresses. With it, the templates are rendered
 * into the scenario's temp dir and the command is spawned under the harness's supervisor, told
 * the proxies' addresses through `${FAULTLINE_UPSTREAM_<n>}` / `${FAULTLINE_UPSTREAMS}` and its port
 * through `${FAULTLINE_PORT}` (as placeholders and as environment variables). Resolves once
 * `GET url + entry.ready_path` answers 200; on failure stops what it started.
 *
 * @throws TargetError when the harness gave no instances, or the entry does not serve in time.
 */
export async function startExternalEntry(
  file: ExternalStackFile,
  { instances, supervisor, tmpDir, freePort, signal, logger }: TargetStartOptions,
): Promise<RunningTarget> {
  const { entry } = file.spec;
  const unsupported = [
    `the scenario's gateway settings: external:${file.name} runs its own balancer config (Faultline gives it only the fault proxies' addresses)`,
  ];
  if (!instances)
    throw new TargetError(`external:${file.name}: the harness gave no instances to put behind the entry`);
  const ready = {
    path: entry.ready_path,
    timeoutMs: entry.ready_timeout_s * 1000,
    ...(signal ? { signal } : {}),
  };
  if (!entry.command) {
    const url = entry.url as string;
    await waitForEntry(url, ready);
    return { url, processes: [], unsupported, close: async () => {} };
  }

  const upstreams = instances.map((i) => new URL(i.proxiedUrl).host);
  const spawnOn = async (port: number): Promise<{ url: string; proc: ManagedProcess }> => {
    const url = entry.url ?? `http://127.0.0.1:${port}`;
    const values: Record<string, string> = {
      FAULTLINE_PORT: String(port),
      FAULTLINE_URL: url,
      FAULTLINE_TMPDIR: tmpDir,
      FAULTLINE_FILE_DIR: file.dir,
      FAULTLINE_UPSTREAMS: upstreams.join(','),
      ...Object.fromEntries(upstreams.map((u, i) => [`FAULTLINE_UPSTREAM_${i + 1}`, u])),
    };
    for (const t of file.templates) await writeFile(join(tmpDir, t.to), fillPlaceholders(t.text, values));
    const [command, ...args] = (entry.command ?? []).map((a) => fillPlaceholders(a, values));
    const proc = await supervisor.spawn({
      name: `entry:${file.name}`,
      command: command as string,
      args,
      cwd: file.dir,
      env: {
        ...values,
        ...Object.fromEntries(
          Object.entries(entry.env ?? {}).map(([k, v]) => [k, fillPlaceholders(v, values)]),
        ),
      },
      ready: { type: 'tcp', host: new URL(url).hostname.replace(/^\[(.*)\]$/, '$1'), port },
      ready_timeout_ms: entry.ready_timeout_s * 1000,
      kill_grace_ms: 1000,
    });
    return { url, proc };
  };
  const { url, proc } = entry.url
    ? await spawnOn(portOf(new URL(entry.url)))
    : await spawnOnFreePort(freePort, spawnOn);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logTargetOutput(proc, logger);
      await proc.close(1000).catch(() => {});
    })();
    return closing;
  };
  try {
    await waitForEntry(url, ready);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, processes: [proc], unsupported, close };
}

function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
