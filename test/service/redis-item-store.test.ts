import { afterAll, beforeAll, describe } from 'vitest';
import { hasRedisServer, OwnRedis } from '../support/own-redis.js';
import { durableStoreContract } from './durable-store-contract.js';

let redis: OwnRedis | undefined;

describe.skipIf(!hasRedisServer)('redis item store on a real redis-server', () => {
  beforeAll(async () => {
    redis = await OwnRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  durableStoreContract('redis', () => ({
    REDIS_URL: (redis as OwnRedis).url,
    REDIS_KEY_PREFIX: `test:${process.pid}:`,
  }));
});
