import { Redis } from 'ioredis';
import { z } from 'zod';
import type { PingableCacheStore } from './cache-store.js';

export const redisCacheStoreOptionsSchema = z
  .object({
    /** @default "redis://127.0.0.1:6379" */
    url: z.string().min(1).default('redis://127.0.0.1:6379'),
    /** Database number; overrides the url's. @default the url's, else 0 */
    db: z.number().int().min(0).max(15).optional(),
    /** Prefix of every key, so tenants and tests never collide. @default "faultline:cache:" */
    keyPrefix: z.string().min(1).default('faultline:cache:'),
    /**
     * Every command fails after this long, in ms (ioredis `commandTimeout`), so a sick Redis
     * costs a request at most this much before the breaker takes the tier out. @default 100
     */
    commandTimeoutMs: z.number().int().min(1).default(100),
    /** TCP connect timeout, in ms. @default 1000 */
    connectTimeoutMs: z.number().int().min(1).default(1000),
    /** Longest wait between reconnection attempts, in ms. @default 1000 */
    maxReconnectDelayMs: z.number().int().min(1).default(1000),
  })
  .strict();
export type RedisCacheStoreOptions = z.input<typeof redisCacheStoreOptionsSchema>;

/**
 * The shared tier on Redis (ioredis). No offline queue and no per-command retries: while Redis
 * is unreachable every call fails at once instead of piling up, and a slow Redis fails each
 * call after `commandTimeoutMs`. Reconnection goes on in the background.
 */
export class RedisCacheStore implements PingableCacheStore {
  readonly name = 'redis';
  readonly keyPrefix: string;
  private readonly redis: Redis;

  constructor(options: RedisCacheStoreOptions = {}) {
    const o = redisCacheStoreOptionsSchema.parse(options);
    this.keyPrefix = o.keyPrefix;
    this.redis = new Redis(o.url, {
      ...(o.db === undefined ? {} : { db: o.db }),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs,
      connectTimeout: o.connectTimeoutMs,
      retryStrategy: (times) => Math.min(o.maxReconnectDelayMs, 50 * 2 ** Math.min(times, 10)),
      lazyConnect: false,
    });
    // Connection errors surface as failed commands (counted by the tier monitor), not as crashes.
    this.redis.on('error', () => {});
  }

  /**
   * Resolves once connected (or at once if already), rejects after `timeoutMs`. Commands sent
   * before that fail at once (no offline queue), so callers that care wait for this first.
   */
  ready(timeoutMs = 2000): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`redis not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.keyPrefix + key)) ?? undefined;
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyPrefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.keyPrefix + key);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
