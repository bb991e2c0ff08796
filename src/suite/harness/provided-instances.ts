import type { ProcessLookup, ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import type { ProxyServer } from '../../chaos/proxy/proxy-server.js';
import type { ProvidedInstance, TargetInstances } from '../../targets/target.js';
import { HarnessError } from './harness-errors.js';
import type { StackInstance } from './stack-instance.js';

export interface ProvidedInstancesOptions {
  /** The target's name, for messages. @example 'external:shop' */
  target: string;
  /** How many instances the scenario needs: the target must have at least that many. */
  wanted: number;
  supervisor: ProcessSupervisor;
  tmpDir: string;
  freePort: () => Promise<number>;
  /** Environment of the instance at `index` when Faultline starts it. */
  env: (index: number) => Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Starts (or attaches to) the instances a target brings (the external target) and puts a fault
 * proxy named after each in front of it, listening where the target says (else on a free port).
 * Every instance is used, so the target's balancer and the scenario see the same set. Resolves
 * with them and with the user's processes the target attached to (for `withAttached`).
 *
 * @throws HarnessError when the target has fewer instances than the scenario needs.
 */
export async function startProvidedInstances(
  instances: TargetInstances,
  proxies: ProxyServer,
  options: ProvidedInstancesOptions,
): Promise<{ instances: StackInstance[]; attached: NonNullable<ProvidedInstance['attached']>[] }> {
  if (instances.count < options.wanted)
    throw new HarnessError(
      `the scenario needs ${options.wanted} instances; ${options.target} has ${instances.count}`,
    );
  const provided = await instances.start({
    supervisor: options.supervisor,
    tmpDir: options.tmpDir,
    freePort: options.freePort,
    env: options.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const stackInstances = await Promise.all(
    provided.map(async (instance): Promise<StackInstance> => {
      const proxy = await proxies.createProxy({
        name: instance.name,
        listen: instance.proxyListen ?? '127.0.0.1:0',
        upstream: instance.address,
      });
      return {
        name: instance.name,
        port: Number(instance.address.slice(instance.address.lastIndexOf(':') + 1)),
        directUrl: `http://${instance.address}`,
        proxiedUrl: `http://${proxy.listen}`,
        process: instance.process,
      };
    }),
  );
  return { instances: stackInstances, attached: provided.flatMap((i) => (i.attached ? [i.attached] : [])) };
}

/** The supervisor's children and the attached processes, by name: what process faults look in. */
export function withAttached(
  supervisor: ProcessLookup,
  attached: readonly NonNullable<ProvidedInstance['attached']>[],
): ProcessLookup {
  if (attached.length === 0) return supervisor;
  const byName = new Map(attached.map((a) => [a.name, a]));
  return {
    get: (name) => byName.get(name) ?? supervisor.get(name),
    names: () => [...supervisor.names(), ...byName.keys()],
  };
}
