/**
 * One tier of the HTTP cache: opaque bytes under string keys, each with a time to live. The
 * stores know nothing of HTTP or integrity (`EntryCodec` and `HttpCache` do), so a new tier is
 * one small file that passes the contract suite in `test/stack/cache/cache-store-contract.ts`
 * (after undici's `cacheStoreTests`).
 */
export interface CacheStore {
  /** For metrics and logs: `memory`, `redis`. */
  readonly name: string;
  /** The bytes stored under `key`, or undefined when absent or expired. */
  get(key: string): Promise<Buffer | undefined>;
  /** Stores `value` for `ttlMs` milliseconds (≥ 1), replacing any previous value. */
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Optional: resolves once connected (a remote tier); rejects when it cannot connect in time. */
  ready?(): Promise<void>;
  /** Releases connections and timers; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Optional capability: a cheap round trip that proves the tier works (used by the tier monitor). */
export interface PingableCacheStore extends CacheStore {
  ping(): Promise<void>;
}

export function isPingable(store: CacheStore): store is PingableCacheStore {
  return typeof (store as Partial<PingableCacheStore>).ping === 'function';
}
