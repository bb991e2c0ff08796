import { resolve } from 'node:path';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { tcpOpen } from '../../chaos/process/readiness.js';
import { spawnOnFreePort } from '../spawn-on-free-port.js';
import type { InstanceStartOptions, ProvidedInstance, TargetInstances } from '../target.js';
import { TargetError } from '../target-errors.js';
import { AttachedProcess } from './attached-process.js';
import type { ExternalInstance } from './external-target-schema.js';
import type { ExternalStackFile } from './load-external-target.js';
import { fillPlaceholders } from './placeholders.js';
import { splitAddress } from './split-address.js';

/**
 * The instances of an external target file. A `command` instance is spawned under the harness's
 * supervisor on a free port (env `PORT`, `HOST=127.0.0.1`, `INSTANCE_ID`, and `${FAULTLINE_PORT}`),
 * so process faults kill and restart it there. An `address` instance is attached to: it must
 * accept a TCP connection within 5 s; Faultline starts and stops it only for process faults, and
 * only when the file says how (`process`: its pid file and its start command).
 */
export function externalInstances(file: ExternalStackFile): TargetInstances {
  return {
    count: file.spec.instances.length,
    async start(options) {
      const started: ManagedProcess[] = [];
      // Settle every start before cleaning up, so none finishes after the cleanup and is left.
      const results = await Promise.allSettled(
        file.spec.instances.map(async (instance, index): Promise<ProvidedInstance> => {
          const proxy = instance.proxy === undefined ? {} : { proxyListen: instance.proxy };
          if (instance.address) {
            await attach(instance.name, instance.address, options.signal);
            const attached = instance.process
              ? new AttachedProcess({
                  name: instance.name,
                  address: instance.address,
                  pidFile: resolve(file.dir, instance.process.pid_file),
                  start: instance.process.start,
                  cwd: file.dir,
                  readyTimeoutMs: instance.ready_timeout_s * 1000,
                })
              : undefined;
            return {
              name: instance.name,
              address: instance.address,
              ...proxy,
              ...(attached ? { attached } : {}),
            };
          }
          const { port, proc } = await spawnOnFreePort(options.freePort, async (port) => ({
            port,
            proc: await spawnInstance(file, instance, index, port, options),
          }));
          started.push(proc);
          return { name: instance.name, address: `127.0.0.1:${port}`, process: proc, ...proxy };
        }),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        await Promise.all(started.map((p) => p.close(1000).catch(() => {})));
        throw failed.reason;
      }
      return results.map((r) => (r as PromiseFulfilledResult<ProvidedInstance>).value);
    },
  };
}

function spawnInstance(
  file: ExternalStackFile,
  instance: ExternalInstance,
  index: number,
  port: number,
  options: InstanceStartOptions,
): Promise<ManagedProcess> {
  const values = {
    FAULTLINE_PORT: String(port),
    FAULTLINE_INSTANCE: instance.name,
    FAULTLINE_TMPDIR: options.tmpDir,
    FAULTLINE_FILE_DIR: file.dir,
  };
  const [command, ...args] = (instance.command ?? []).map((a) => fillPlaceholders(a, values));
  const own = Object.fromEntries(
    Object.entries(instance.env ?? {}).map(([k, v]) => [k, fillPlaceholders(v, values)]),
  );
  return options.supervisor.spawn({
    name: instance.name,
    command: command as string,
    args,
    cwd: file.dir,
    env: {
      ...options.env(index),
      PORT: String(port),
      HOST: '127.0.0.1',
      INSTANCE_ID: instance.name,
      ...values,
      ...own,
    },
    // A fixed port per instance: a restarted instance comes back where its fault proxy points.
    ready: instance.ready_path
      ? { type: 'http', url: `http://127.0.0.1:${port}${instance.ready_path}` }
      : { type: 'tcp', port },
    ready_timeout_ms: instance.ready_timeout_s * 1000,
    kill_grace_ms: 1000,
  });
}

/** Until `address` accepts a TCP connection (5 s at most). */
async function attach(name: string, address: string, signal?: AbortSignal): Promise<void> {
  const [host, port] = splitAddress(address);
  const deadline = performance.now() + 5000;
  for (;;) {
    signal?.throwIfAborted();
    if (await tcpOpen(host, port)) return;
    if (performance.now() > deadline)
      throw new TargetError(`instance ${name}: nothing accepts connections at ${address} (is it running?)`, {
        code: 'FL_TARGET_INSTANCE_DOWN',
      });
    await new Promise((r) => setTimeout(r, 100));
  }
}
