import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { type Event, EventEmitter } from '../../common/event.js';
import { type CacheEntry, type EntryCodec, EntryRejected, type IntegrityFailure } from './cache-entry.js';
import { type KeyOptions, planCacheKey } from './cache-key.js';
import type { CacheStore } from './cache-store.js';
import { currentAge, planStorage, retentionMs, type StorageRules } from './freshness.js';

type Headers = Record<string, string | string[] | undefined>;

/** The request as the cache needs it (from the client, before forwarding). */
export interface CacheRequest {
  readonly method: string;
  /** Origin-form target: path and query as the client sent them. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /** The request carries a body (Content-Length > 0 or Transfer-Encoding). */
  readonly hasBody: boolean;
}

/** The origin's answer, headers in, body still streaming. */
export interface OriginResponse {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: Readable;
}

/** Asks the origin for `target` (normalised for cacheable requests, else the client's own). */
export type OriginFetch = (target: string) => Promise<OriginResponse>;

/** How a request was answered. */
export type CacheOutcome = 'hit' | 'stale-while-revalidate' | 'stale-if-error' | 'miss' | 'bypass';

/** What to send the client. `body` is a Buffer when from (or just put in) the cache. */
export interface CacheAnswer {
  readonly statusCode: number;
  readonly headers: Headers;
  /** undefined for HEAD answered from the cache. */
  readonly body: Buffer | Readable | undefined;
  readonly outcome: CacheOutcome;
}

export interface IntegrityFailureEvent {
  readonly tier: string;
  readonly key: string;
  readonly reason: IntegrityFailure;
}

/** Counters since start (for metrics and the scenarios). */
export interface CacheStats {
  hits: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  misses: number;
  bypasses: number;
  stored: number;
  notStored: number;
  /** Requests that waited for another request's origin fetch of the same key. */
  coalesced: number;
  revalidations: number;
  /** Entries refused by validation (HMAC, key, size, format), discarded and refetched. */
  integrityFailures: number;
  invalidations: number;
}

export interface HttpCacheOptions {
  /** Tiers, fastest first (memory, then the shared one). A hit in a later tier fills earlier ones. */
  readonly stores: readonly CacheStore[];
  readonly codec: EntryCodec;
  readonly rules: StorageRules;
  readonly keys: KeyOptions;
  /** Request headers stripped before forwarding; undefined: none stripped. */
  readonly unkeyedHeaders: ReadonlySet<string> | undefined;
  /** Longest wait for another request's fetch of the same key, ms (nginx proxy_cache_lock_timeout). */
  readonly lockTimeoutMs: number;
  /** Wall clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
  'cache-status',
  'x-request-id',
  'content-length',
]);
const serverErrors = new Set([500, 502, 503, 504]);
const unsafe = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const STATUS = 'faultline';

/** Marks a value absent from one present-but-empty in a variant key. */
const ABSENT = '\u0001';

function varyValue(v: string | string[] | undefined): string {
  if (v === undefined) return ABSENT;
  return (Array.isArray(v) ? v.join(', ') : v).trim().replace(/[ \t]+/g, ' ');
}

function variantKey(key: string, names: readonly string[], headers: IncomingHttpHeaders): string {
  let k = key;
  for (const n of names) k += `\u0000${n}:${varyValue(headers[n])}`;
  return k;
}

/**
 * An HTTP response cache in front of one origin: RFC 9111 freshness (explicit only), RFC 5861
 * `stale-while-revalidate` and `stale-if-error`, one origin fetch per key at a time, entries
 * checked by HMAC on every read, and normalised keys with `Vary` honoured (docs/cache.md).
 * HTTP-facing and transport-free: `serve()` takes the request and a function that asks the
 * origin, and returns what to send back.
 */
export class HttpCache {
  readonly stats: CacheStats = {
    hits: 0,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    misses: 0,
    bypasses: 0,
    stored: 0,
    notStored: 0,
    coalesced: 0,
    revalidations: 0,
    integrityFailures: 0,
    invalidations: 0,
  };
  readonly stores: readonly CacheStore[];
  /** Headers to strip before forwarding, or undefined when stripping is off. */
  readonly unkeyedHeaders: ReadonlySet<string> | undefined;

  private readonly integrityEmitter = new EventEmitter<IntegrityFailureEvent>();
  /** An entry failed validation; it was discarded and will be refetched. */
  readonly onIntegrityFailure: Event<IntegrityFailureEvent> = this.integrityEmitter.addListener;

  private readonly inflight = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: HttpCacheOptions) {
    this.stores = options.stores;
    this.unkeyedHeaders = options.unkeyedHeaders;
    this.now = options.now ?? Date.now;
  }

  async serve(req: CacheRequest, fetch: OriginFetch): Promise<CacheAnswer> {
    const { method } = req;
    if (method !== 'GET' && method !== 'HEAD') {
      const res = await fetch(req.target);
      // RFC 9111 §4.4: a successful unsafe request invalidates the target URI.
      if (unsafe.has(method) && res.statusCode < 400) await this.invalidate(req);
      return this.pass(res, 'bypass', 'fwd=bypass; detail=method');
    }
    if (req.hasBody) return this.pass(await fetch(req.target), 'bypass', 'fwd=bypass; detail=request-body');
    const plan = planCacheKey(method, req.target, req.headers.host, this.options.keys);
    if (!plan.cacheable)
      return this.pass(await fetch(req.target), 'bypass', `fwd=bypass; detail=${plan.reason}`);

    let found = await this.lookup(plan.key, req.headers);
    if (found && this.isFresh(found)) return this.fromEntry(found, req, 'hit', 'hit');
    if (found && this.withinStale(found, found.staleWhileRevalidate)) {
      // A HEAD's fetch brings no body to store: only a GET refreshes in the background.
      if (method === 'GET') this.revalidate(plan.key, plan.target, req, fetch);
      return this.fromEntry(found, req, 'stale-while-revalidate', 'hit; detail=stale-while-revalidate');
    }
    const pending = this.inflight.get(plan.key);
    if (pending) {
      this.stats.coalesced++;
      await waitAtMost(pending, this.options.lockTimeoutMs);
      const again = await this.lookup(plan.key, req.headers);
      if (again && this.isFresh(again)) return this.fromEntry(again, req, 'hit', 'hit; detail=coalesced');
      found = again ?? found;
    }
    return this.fetchAndStore(plan.key, plan.target, req, fetch, found);
  }

  /** Removes the entries of a target (all tiers; variants age out, their record is gone). */
  async invalidate(req: Pick<CacheRequest, 'target' | 'headers'>): Promise<void> {
    const plan = planCacheKey('GET', req.target, req.headers.host, this.options.keys);
    if (!plan.cacheable) return;
    this.stats.invalidations++;
    await Promise.all(this.stores.map((s) => s.delete(plan.key)));
  }

  /** Resolves when every tier that connects somewhere is connected (or failed to within its time). */
  async ready(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.ready?.().catch(() => {})));
  }

  async close(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.close()));
  }

  private isFresh(e: CacheEntry): boolean {
    return currentAge(e, this.now()) < e.lifetime;
  }

  private withinStale(e: CacheEntry, window: number): boolean {
    return window > 0 && currentAge(e, this.now()) < e.lifetime + window;
  }

  /** Background refresh for stale-while-revalidate: at most one per key. */
  private revalidate(key: string, target: string, req: CacheRequest, fetch: OriginFetch): void {
    if (this.inflight.has(key)) return;
    this.stats.revalidations++;
    void this.fetchAndStore(key, target, req, fetch, undefined).then(
      (a) => {
        if (a.body instanceof Readable) discard(a.body);
      },
      () => {},
    );
  }

  private async fetchAndStore(
    key: string,
    target: string,
    req: CacheRequest,
    fetch: OriginFetch,
    stale: CacheEntry | undefined,
  ): Promise<CacheAnswer> {
    // A HEAD is not stored (no body to store) and does not hold the key's lock.
    let release: (() => void) | undefined;
    if (req.method === 'GET' && !this.inflight.has(key)) {
      const done = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.inflight.set(key, done);
      const r = release as () => void;
      release = () => {
        if (this.inflight.get(key) === done) this.inflight.delete(key);
        r();
      };
    }
    try {
      let res: OriginResponse;
      try {
        res = await fetch(target);
      } catch (err) {
        if (stale && this.withinStale(stale, stale.staleIfError))
          return this.fromEntry(stale, req, 'stale-if-error', 'hit; detail=stale-if-error');
        throw err;
      }
      if (serverErrors.has(res.statusCode) && stale && this.withinStale(stale, stale.staleIfError)) {
        discard(res.body);
        return this.fromEntry(
          stale,
          req,
          'stale-if-error',
          `hit; detail=stale-if-error; fwd-status=${res.statusCode}`,
        );
      }
      this.stats.misses++;
      if (req.method !== 'GET') return this.pass(res, 'miss', 'fwd=miss');
      const now = this.now();
      const storage = planStorage(
        res.statusCode,
        res.headers,
        req.headers.authorization !== undefined,
        this.options.rules,
        now,
      );
      if (!storage.store) {
        this.stats.notStored++;
        return this.pass(res, 'miss', `fwd=miss; detail=${storage.reason}`);
      }
      const read = await readUpTo(res.body, this.options.rules.maxBodyBytes);
      if (read instanceof Readable) {
        this.stats.notStored++;
        return this.pass({ ...res, body: read }, 'miss', 'fwd=miss; detail=too-large');
      }
      const headers: [string, string][] = [];
      for (const name in res.headers) {
        const v = res.headers[name];
        if (v === undefined || hopByHop.has(name)) continue;
        for (const one of Array.isArray(v) ? v : [v]) headers.push([name, one]);
      }
      const entryKey = storage.vary.length > 0 ? variantKey(key, storage.vary, req.headers) : key;
      const entry: CacheEntry = {
        kind: 'response',
        key: entryKey,
        status: res.statusCode,
        headers,
        storedAt: now,
        initialAge: storage.initialAge,
        lifetime: storage.lifetime,
        staleWhileRevalidate: storage.staleWhileRevalidate,
        staleIfError: storage.staleIfError,
        vary: storage.vary,
        body: read,
      };
      const ttl = retentionMs(entry, now);
      if (ttl > 0) {
        if (storage.vary.length > 0) {
          await this.write(
            key,
            { ...entry, kind: 'vary', key, status: 0, headers: [], body: Buffer.alloc(0) },
            ttl,
          );
        }
        await this.write(entryKey, entry, ttl);
        this.stats.stored++;
      }
      return {
        statusCode: entry.status,
        headers: this.answerHeaders(entry, 'fwd=miss; stored'),
        body: entry.body,
        outcome: 'miss',
      };
    } finally {
      release?.();
    }
  }

  private async write(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const data = this.options.codec.encode(entry);
    await Promise.all(this.stores.map((s) => s.set(key, data, ttlMs)));
  }

  /** The response stored for this request (through its vary record), or undefined. */
  private async lookup(key: string, headers: IncomingHttpHeaders): Promise<CacheEntry | undefined> {
    const e = await this.read(key);
    if (!e || e.kind === 'response') return e;
    const v = await this.read(variantKey(key, e.vary, headers));
    return v?.kind === 'response' ? v : undefined;
  }

  /** The first valid copy in tier order; an invalid copy is discarded, counted and skipped. */
  private async read(key: string): Promise<CacheEntry | undefined> {
    const { stores, codec } = this.options;
    for (let i = 0; i < stores.length; i++) {
      const store = stores[i] as CacheStore;
      const data = await store.get(key);
      if (data === undefined) continue;
      const entry = codec.decode(key, data);
      if (entry instanceof EntryRejected) {
        this.stats.integrityFailures++;
        this.integrityEmitter.emit({ tier: store.name, key, reason: entry.reason });
        void store.delete(key);
        continue;
      }
      const now = this.now();
      const ttl = retentionMs(entry, now);
      if (ttl <= 0) continue;
      for (let j = 0; j < i; j++) void (stores[j] as CacheStore).set(key, data, ttl);
      return entry;
    }
    return undefined;
  }

  private fromEntry(
    entry: CacheEntry,
    req: CacheRequest,
    outcome: CacheOutcome,
    status: string,
  ): CacheAnswer {
    if (outcome === 'hit') this.stats.hits++;
    else if (outcome === 'stale-while-revalidate') this.stats.staleWhileRevalidate++;
    else if (outcome === 'stale-if-error') this.stats.staleIfError++;
    return {
      statusCode: entry.status,
      headers: this.answerHeaders(entry, status),
      body: req.method === 'HEAD' ? undefined : entry.body,
      outcome,
    };
  }

  private answerHeaders(entry: CacheEntry, status: string): Headers {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of entry.headers) {
      const prior = out[name];
      out[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    out['content-length'] = String(entry.body.length);
    out.age = String(Math.floor(currentAge(entry, this.now())));
    out['cache-status'] = `${STATUS}; ${status}`;
    return out;
  }

  private pass(res: OriginResponse, outcome: CacheOutcome, status: string): CacheAnswer {
    if (outcome === 'bypass') this.stats.bypasses++;
    return {
      statusCode: res.statusCode,
      headers: { ...res.headers, 'cache-status': `${STATUS}; ${status}` },
      body: res.body,
      outcome,
    };
  }
}

/** Drops a body nobody will read (an abort error from the client library is expected). */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/** Resolves when `p` settles or after `ms`, whichever is first. */
async function waitAtMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Reads a body into one Buffer if it is at most `max` bytes; otherwise a stream that replays
 * what was read and then the rest (the response is passed through unstored).
 */
function readUpTo(body: Readable, max: number): Promise<Buffer | Readable> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= max) return;
      cleanup();
      body.pause();
      const rest = new PassThrough();
      for (const c of chunks) rest.write(c);
      body.once('error', (err) => rest.destroy(err));
      rest.once('close', () => body.destroy());
      body.pipe(rest);
      resolve(rest);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}
