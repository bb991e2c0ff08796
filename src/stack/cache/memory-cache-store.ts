import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { CacheStore } from './cache-store.js';

export const memoryCacheStoreOptionsSchema = z
  .object({
    /** Most entries kept (least recently used evicted first). @default 10000 */
    maxEntries: z.number().int().min(1).default(10_000),
    /** Most bytes kept over all entries (keys not counted). @default 67108864 (64 MiB) */
    maxBytes: z
      .number()
      .int()
      .min(1)
      .default(64 * 1024 * 1024),
    /**
     * Cap on an entry's time in memory, in ms, so a shared tier behind stays the source of
     * truth for other gateways' invalidations. Unlimited when absent.
     */
    maxTtlMs: z.number().int().min(1).optional(),
  })
  .strict();
export type MemoryCacheStoreOptions = z.input<typeof memoryCacheStoreOptionsSchema>;

/** The in-process tier: an `lru-cache` bounded in entries and bytes, with per-entry TTLs. */
export class MemoryCacheStore implements CacheStore {
  readonly name = 'memory';
  private readonly lru: LRUCache<string, Buffer>;
  private readonly maxTtlMs: number;

  constructor(options: MemoryCacheStoreOptions = {}) {
    const o = memoryCacheStoreOptionsSchema.parse(options);
    this.maxTtlMs = o.maxTtlMs ?? Number.POSITIVE_INFINITY;
    this.lru = new LRUCache<string, Buffer>({
      max: o.maxEntries,
      maxSize: o.maxBytes,
      sizeCalculation: (v) => Math.max(1, v.length),
      ttlAutopurge: false,
      // Entries bigger than the whole budget are simply not kept.
      maxEntrySize: o.maxBytes,
    });
  }

  get size(): number {
    return this.lru.size;
  }

  get(key: string): Promise<Buffer | undefined> {
    return Promise.resolve(this.lru.get(key));
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.lru.set(key, value, { ttl: Math.max(1, Math.min(Math.ceil(ttlMs), this.maxTtlMs)) });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.lru.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.lru.clear();
    return Promise.resolve();
  }
}
