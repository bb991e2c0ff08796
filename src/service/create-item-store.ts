import type { ServiceConfig } from './config.js';
import type { ItemStore } from './item-store.js';
import { MemoryItemStore } from './memory-item-store.js';
import { PostgresItemStore } from './postgres-item-store.js';
import { RedisItemStore } from './redis-item-store.js';

/** Postgres if `databaseUrl` is set, else Redis if `redisUrl` is set, else memory. Connected. */
export async function createItemStore(config: ServiceConfig): Promise<ItemStore> {
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
