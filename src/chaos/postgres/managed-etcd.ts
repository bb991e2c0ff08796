import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedProcess, ProcessSupervisor } from '../process/index.js';

export interface ManagedEtcd {
  process: ManagedProcess;
  /** Client URL, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  clientPort: number;
}

/**
 * One etcd member (Debian's `etcd-server`, 3.4) on free loopback ports with its data in `dir`.
 * Raft timings are shortened (heartbeat 25 ms, election 150 ms) so etcd grants 1-second leases
 * (its minimum TTL is 1.5 × the election timeout).
 */
export async function startEtcd(
  supervisor: ProcessSupervisor,
  options: { name: string; dir: string; freePort: () => Promise<number>; binary?: string },
): Promise<ManagedEtcd> {
  const clientPort = await options.freePort();
  const peerPort = await options.freePort();
  const data = join(options.dir, 'data');
  mkdirSync(data, { recursive: true });
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const process = await supervisor.spawn({
    name: options.name,
    command: options.binary ?? 'etcd',
    args: [
      '--name',
      options.name,
      '--data-dir',
      data,
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `${options.name}=${peer}`,
      '--heartbeat-interval',
      '25',
      '--election-timeout',
      '150',
    ],
    ready: { type: 'log', pattern: 'ready to serve client requests' },
    ready_timeout_ms: 20_000,
    kill_grace_ms: 1000,
  });
  return { process, endpoint: client, clientPort };
}
