import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CreateResult, Item, ItemInput, ItemStore } from './item-store.js';

// Creation and its idempotency record are one atomic step, so that two concurrent requests
// with the same Idempotency-Key can never both create an item.
const createScript = `
if ARGV[7] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return existing end
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('HSET', KEYS[2], 'name', ARGV[2], 'data', ARGV[3], 'version', 1, 'written_by', ARGV[4], 'created_at', ARGV[5], 'updated_at', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
return false
`;

const putScript = `
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[4])
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'data', ARGV[2], 'written_by', ARGV[3], 'updated_at', ARGV[4])
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
return version
`;

/**
 * Items in Redis, one hash per item plus a sorted set of ids. A write is acknowledged once
 * Redis has answered it; every key starts with `prefix` so stacks can share one Redis.
 */
export class RedisItemStore implements ItemStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // Fail commands fast while Redis is away instead of queueing them for ever.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: true });
    this.redis.on('error', () => {
      // Connection errors surface on the commands that fail; nothing to do here.
    });
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  private itemKey(id: string): string {
    return `${this.prefix}item:${id}`;
  }

  private get idsKey(): string {
    return `${this.prefix}ids`;
  }

  async list(limit: number): Promise<Item[]> {
    const ids = await this.redis.zrange(this.idsKey, 0, String(Math.max(0, limit - 1)));
    const items = await Promise.all(ids.map((id) => this.get(id)));
    return items.filter((item): item is Item => item !== undefined);
  }

  async get(id: string): Promise<Item | undefined> {
    const hash = await this.redis.hgetall(this.itemKey(id));
    if (!hash.name) return undefined;
    return {
      id,
      name: hash.name,
      data: JSON.parse(hash.data ?? 'null'),
      version: Number(hash.version),
      written_by: hash.written_by ?? '',
      created_at: hash.created_at ?? '',
      updated_at: hash.updated_at ?? '',
    };
  }

  async create(input: ItemInput, writer: string, idempotencyKey?: string): Promise<CreateResult> {
    const id = randomUUID();
    const now = new Date();
    const existing = (await this.redis.eval(
      createScript,
      3,
      `${this.prefix}idem:${idempotencyKey ?? ''}`,
      this.itemKey(id),
      this.idsKey,
      id,
      input.name,
      JSON.stringify(input.data ?? null),
      writer,
      now.toISOString(),
      now.getTime(),
      idempotencyKey === undefined ? '0' : '1',
    )) as string | null;
    const storedId = existing ?? id;
    const item = await this.get(storedId);
    if (!item) throw new Error(`item ${storedId} vanished between its write and its read`);
    return { item, replayed: existing !== null };
  }

  async put(id: string, input: ItemInput, writer: string): Promise<{ item: Item; created: boolean }> {
    const now = new Date();
    const version = (await this.redis.eval(
      putScript,
      2,
      this.itemKey(id),
      this.idsKey,
      input.name,
      JSON.stringify(input.data ?? null),
      writer,
      now.toISOString(),
      now.getTime(),
      id,
    )) as number;
    const item = await this.get(id);
    if (!item) throw new Error(`item ${id} vanished between its write and its read`);
    return { item, created: version === 1 };
  }

  async delete(id: string): Promise<boolean> {
    const results = await this.redis.multi().del(this.itemKey(id)).zrem(this.idsKey, id).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
