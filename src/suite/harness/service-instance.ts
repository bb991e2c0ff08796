import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import type { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import { nodeEntry, privateListenerEnv } from '../../targets/node-entry.js';

export interface ServiceInstanceSpec {
  /** Supervisor name, also the service's INSTANCE_ID. @example 'service-1' */
  name: string;
  /** A fixed port, so that a restarted instance comes back where its proxy points. */
  port: number;
  /** Extra environment (REDIS_URL, EXTERNAL_URL, DEPENDENCY_TIMEOUT_MS, …). */
  env?: Record<string, string>;
  /** Node flags, e.g. `--max-old-space-size=128` for memory-pressure scenarios. */
  nodeArgs?: string[];
}

/** Spawns one reference-service process under the supervisor and waits for its listening line. */
export function spawnServiceInstance(
  supervisor: ProcessSupervisor,
  spec: ServiceInstanceSpec,
): Promise<ManagedProcess> {
  const { command, args } = nodeEntry('service/main', spec.nodeArgs);
  return supervisor.spawn({
    name: spec.name,
    command,
    args,
    env: {
      PORT: String(spec.port),
      HOST: '127.0.0.1',
      INSTANCE_ID: spec.name,
      CHAOS_MOCK_EXTERNAL: '1',
      LOG_LEVEL: 'warn',
      ...privateListenerEnv,
      ...spec.env,
    },
    // Readiness by HTTP, not by the listening line: the supervisor keeps a process's log across
    // restarts, so the previous incarnation's line would make a restart look ready at once.
    ready: { type: 'http', url: `http://127.0.0.1:${spec.port}/healthz` },
    ready_timeout_ms: 20_000,
    kill_grace_ms: 1000,
  });
}

/** Spawns the external-dependency stub as its own process on `port`. */
export function spawnExternalStub(
  supervisor: ProcessSupervisor,
  name: string,
  port: number,
): Promise<ManagedProcess> {
  const { command, args } = nodeEntry('service/external-stub-main');
  return supervisor.spawn({
    name,
    command,
    args,
    env: { PORT: String(port), HOST: '127.0.0.1' },
    ready: { type: 'tcp', port },
    ready_timeout_ms: 20_000,
    kill_grace_ms: 1000,
  });
}

/** Spawns a throw-away `redis-server` (no persistence) on `port` with its own `dir`. */
export function spawnRedisServer(
  supervisor: ProcessSupervisor,
  name: string,
  port: number,
  dir: string,
): Promise<ManagedProcess> {
  return supervisor.spawn({
    name,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ready: { type: 'tcp', port },
    ready_timeout_ms: 10_000,
    kill_grace_ms: 1000,
  });
}
