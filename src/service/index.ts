/** The reference service: an items API and fault hooks to put behind the gateway. */
export {
  parseServiceConfig,
  type ServiceConfig,
  type ServiceConfigInput,
  serviceConfigSchema,
} from './config.js';
export {
  type ExternalStub,
  type ExternalStubMode,
  externalStubModeSchema,
  startExternalStub,
} from './external-stub.js';
export type { CreateResult, Item, ItemInput, ItemStore } from './item-store.js';
export { itemInputSchema } from './item-store.js';
export { MemoryItemStore } from './memory-item-store.js';
export { PostgresItemStore } from './postgres-item-store.js';
export { RedisItemStore } from './redis-item-store.js';
export { type ReferenceService, startService } from './service.js';
export { DependencyError, ItemStoreUnavailableError, ServiceRequestError } from './service-errors.js';
