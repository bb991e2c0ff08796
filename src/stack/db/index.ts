export {
  DatabaseRouter,
  type NodeView,
  type PrimaryChange,
  type RouterStats,
  type WriteOptions,
  type WriteRejection,
  type WriteResult,
} from './database-router.js';
export * from './db-errors.js';
export { EtcdLeaseStore, type EtcdLeaseStoreConfig, etcdLeaseStoreSchema } from './etcd-lease-store.js';
export { type FailoverManagerConfig, failoverManagerSchema } from './failover-config.js';
export { FailoverManager, type NodeRole, type RoleChange, type TakeoverReport } from './failover-manager.js';
export {
  FENCE_TABLE,
  fenceNode,
  setSynchronousStandbys,
  storeFencingToken,
  unfenceNode,
} from './fence-node.js';
export { IDEMPOTENCY_TABLE } from './idempotency.js';
export { LagTracker } from './lag-tracker.js';
export type { HeldLease, LeaderRecord, LeaseStore, SyncRecord } from './lease-store.js';
export { lsnBytesBehind, parseLsn } from './lsn.js';
export { type DbNode, type DbNodeInput, dbNodeSchema } from './node-config.js';
export { type NodeStatus, queryNodeStatus } from './node-health.js';
export {
  type DatabaseRouterConfig,
  databaseRouterSchema,
  type ReadPreference,
  readPreferenceSchema,
} from './router-config.js';
