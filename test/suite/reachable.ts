import { NEEDS } from '../../src/runner/needs.js';

/** Whether a Redis answers at `url` (tests that need one skip with this). */
export async function redisReachable(url: string): Promise<boolean> {
  return (await NEEDS.redis.check({ redisUrl: url, databaseUrl: '' })).ok;
}
