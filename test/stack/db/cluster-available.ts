import { execFileSync } from 'node:child_process';
import { findPostgresBinaries } from '../../../src/chaos/postgres/index.js';

/** Why a managed cluster (Postgres binaries + etcd) cannot run here, or null. */
export function clusterUnavailable(): string | null {
  const found = findPostgresBinaries();
  if ('missing' in found) return found.missing;
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no etcd binary (apt-get install etcd-server)';
  }
  return null;
}
