import { MemoryCacheStore } from '../../../src/stack/cache/memory-cache-store.js';
import { MonitoredCacheStore } from '../../../src/stack/cache/monitored-cache-store.js';
import { RedisCacheStore } from '../../../src/stack/cache/redis-cache-store.js';
import { cacheStoreContract } from './cache-store-contract.js';

let n = 0;
const prefix = (): string => `faultline:test:cache:${process.pid}:${n++}:`;

cacheStoreContract('memory', () => new MemoryCacheStore());

// The shared 127.0.0.1:6379, database 15, a key prefix of our own (never FLUSHDB).
const redisStore = async (): Promise<RedisCacheStore> => {
  const s = new RedisCacheStore({ db: 15, keyPrefix: prefix(), commandTimeoutMs: 1000 });
  await s.ready();
  return s;
};

cacheStoreContract('redis', redisStore);

cacheStoreContract('monitored memory', () => new MonitoredCacheStore(new MemoryCacheStore()));

cacheStoreContract('monitored redis', async () => new MonitoredCacheStore(await redisStore()));
