import type { ServiceConfig } from './config.js';
import type { ItemStore } from './item-store.js';
import { MemoryItemStore } from './memory-item-store.js';
import { PostgresItemStore } from './postgres-item-store.js';
import { RedisItemStore } from './redis-item-store.js';
import { WriteBehindItemStore } from './write-behind-item-store.js';

/**
 * Postgres if `databaseUrl` is set, else Redis if `redisUrl` is set, else memory. Connected.
 * With `ackBeforeStoreMs` (a negative control), wrapped in a write-behind buffer.
 */
export async function createItemStore(config: ServiceConfig): Promise<ItemStore> {
  const store = await createDurableStore(config);
  return config.ackBeforeStoreMs > 0 ? new WriteBehindItemStore(store, config.ackBeforeStoreMs) : store;
}

async function createDurableStore(config: ServiceConfig): Promise<ItemStore> {
  if (config.databaseUrl) {
    const store = new PostgresItemStore(config.databaseUrl);
    await store.connect();
    return store;
  }
  if (config.redisUrl) {
    const store = new RedisItemStore(config.redisUrl, config.redisKeyPrefix);
    await store.connect();
    return store;
  }
  return new MemoryItemStore();
}
