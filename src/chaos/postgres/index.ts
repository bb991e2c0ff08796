export { type ManagedEtcd, startEtcd } from './managed-etcd.js';
export { findPostgresBinaries, POSTGRES_PROGRAMS, type PostgresBinaries } from './postgres-binaries.js';
export {
  type Address,
  ClusterUnavailableError,
  PostgresCluster,
  type PostgresClusterOptions,
} from './postgres-cluster.js';
export { PostgresNode, type PostgresNodeOptions } from './postgres-node.js';
