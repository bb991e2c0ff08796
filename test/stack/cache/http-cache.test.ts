import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CacheConfigInput, createHttpCache } from '../../../src/stack/cache/cache-config.js';
import type { CacheRequest, HttpCache } from '../../../src/stack/cache/http-cache.js';
import { downOrigin, Origin, receive } from './origin.js';

const KEY = 'test-hmac-key-0123456789';
let n = 0;

describe('HttpCache on a real origin', () => {
  let origin: Origin;
  let now: number;
  const caches: HttpCache[] = [];
  const make = (config: CacheConfigInput = {}): HttpCache => {
    const c = createHttpCache({ integrity: { key: KEY }, ...config }, { now: () => now });
    caches.push(c);
    return c;
  };
  const get = (target: string, headers: Record<string, string> = {}, method = 'GET'): CacheRequest => ({
    method,
    target,
    headers: { host: 'example.test', ...headers },
    hasBody: false,
  });

  beforeEach(async () => {
    origin = await Origin.start();
    now = Date.parse('2026-01-01T00:00:00Z');
  });
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
    await origin.close();
  });

  it('fetches once, then answers from the cache with Age and Cache-Status', async () => {
    const cache = make();
    const first = await receive(await cache.serve(get('/a'), origin.fetcher()));
    expect(first).toMatchObject({ status: 200, body: 'default', outcome: 'miss' });
    expect(first.headers['cache-status']).toBe('faultline; fwd=miss; stored');
    now += 5000;
    const second = await receive(await cache.serve(get('/a'), origin.fetcher()));
    expect(second).toMatchObject({ status: 200, body: 'default', outcome: 'hit' });
    expect(second.headers.age).toBe('5');
    expect(second.headers['content-type']).toBe('text/plain');
    expect(origin.count()).toBe(1);
  });

  it('answers a HEAD from a stored GET without a body', async () => {
    const cache = make();
    await receive(await cache.serve(get('/a'), origin.fetcher()));
    const head = await cache.serve(get('/a', {}, 'HEAD'), origin.fetcher('HEAD'));
    expect(head.outcome).toBe('hit');
    expect(head.body).toBeUndefined();
    expect(head.headers['content-length']).toBe('7');
  });

  it('forwards the normalised target, so the key is what the origin saw', async () => {
    const cache = make();
    await receive(await cache.serve(get('/x/../a?b=2&a=%7e'), origin.fetcher()));
    expect(origin.received[0]?.url).toBe('/a?a=~&b=2');
    const again = await cache.serve(get('/a?a=~&b=2'), origin.fetcher());
    expect(again.outcome).toBe('hit');
  });

  it.each([
    ['no-store', { 'cache-control': 'no-store' }],
    ['private', { 'cache-control': 'private, max-age=60' }],
    ['Set-Cookie', { 'cache-control': 'max-age=60', 'set-cookie': 'sid=1' }],
    ['no explicit freshness', {}],
    [
      'a disallowed content type',
      { 'cache-control': 'max-age=60', 'content-type': 'application/octet-stream' },
    ],
  ])('never stores a response with %s', async (_name, headers) => {
    const cache = make();
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', ...headers });
      res.end('x');
    };
    for (let i = 0; i < 3; i++) {
      const r = await receive(await cache.serve(get('/p'), origin.fetcher()));
      expect(r).toMatchObject({ body: 'x', outcome: 'miss' });
    }
    expect(origin.count()).toBe(3);
    expect(cache.stats.stored).toBe(0);
  });

  it('keeps Vary variants apart', async () => {
    const cache = make();
    origin.handler = (req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'max-age=60',
        vary: 'Accept-Language',
      });
      res.end(`lang=${req.headers['accept-language'] ?? 'none'}`);
    };
    const ask = async (lang?: string) =>
      receive(
        await cache.serve(
          get('/v', lang ? { 'accept-language': lang } : {}),
          origin.fetcher('GET', lang ? { 'accept-language': lang } : {}),
        ),
      );
    expect((await ask('en')).body).toBe('lang=en');
    expect((await ask('fr')).body).toBe('lang=fr');
    expect((await ask()).body).toBe('lang=none');
    const en = await ask('en');
    expect(en).toMatchObject({ body: 'lang=en', outcome: 'hit' });
    expect(await ask('fr')).toMatchObject({ body: 'lang=fr', outcome: 'hit' });
    expect(await ask()).toMatchObject({ body: 'lang=none', outcome: 'hit' });
    expect(origin.count()).toBe(3);
  });

  it('serves stale within stale-while-revalidate and refreshes once in the background', async () => {
    const cache = make();
    let version = 1;
    origin.handler = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'max-age=10, stale-while-revalidate=30',
      });
      res.end(`v${version}`);
    };
    await receive(await cache.serve(get('/s'), origin.fetcher()));
    version = 2;
    now += 15_000;
    const stale = await Promise.all(
      [1, 2, 3].map(async () => receive(await cache.serve(get('/s'), origin.fetcher()))),
    );
    for (const s of stale) expect(s).toMatchObject({ body: 'v1', outcome: 'stale-while-revalidate' });
    const deadline = Date.now() + 5000;
    while (cache.stats.stored < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await receive(await cache.serve(get('/s'), origin.fetcher()))).toMatchObject({
      body: 'v2',
      outcome: 'hit',
    });
    expect(origin.count()).toBe(2);
    now += 60_000;
    expect(await receive(await cache.serve(get('/s'), origin.fetcher()))).toMatchObject({
      body: 'v2',
      outcome: 'miss',
    });
  });

  it('serves stale within stale-if-error when the origin fails or is down, and not after', async () => {
    const cache = make();
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=10, stale-if-error=60' });
      res.end('good');
    };
    await receive(await cache.serve(get('/e'), origin.fetcher()));
    now += 20_000;
    origin.handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down');
    };
    const on503 = await receive(await cache.serve(get('/e'), origin.fetcher()));
    expect(on503).toMatchObject({ status: 200, body: 'good', outcome: 'stale-if-error' });
    expect(on503.headers['cache-status']).toContain('fwd-status=503');
    expect(await receive(await cache.serve(get('/e'), downOrigin))).toMatchObject({
      body: 'good',
      outcome: 'stale-if-error',
    });
    now += 60_000;
    await expect(cache.serve(get('/e'), downOrigin)).rejects.toThrow(/ECONNREFUSED/);
    expect(await receive(await cache.serve(get('/e'), origin.fetcher()))).toMatchObject({ status: 503 });
  });

  it('with staleIfError off passes the origin error through (negative control)', async () => {
    const cache = make({ staleIfError: false });
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=10, stale-if-error=60' });
      res.end('good');
    };
    await receive(await cache.serve(get('/e'), origin.fetcher()));
    now += 20_000;
    await expect(cache.serve(get('/e'), downOrigin)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('sends one origin fetch for many concurrent misses of one key', async () => {
    const cache = make();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    origin.handler = (_req, res) => {
      void held.then(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
        res.end('once');
      });
    };
    const answers = Array.from({ length: 20 }, () => cache.serve(get('/c'), origin.fetcher()).then(receive));
    const deadline = Date.now() + 5000;
    while ((cache.stats.coalesced < 19 || origin.count() < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    release();
    const all = await Promise.all(answers);
    for (const a of all) expect(a.body).toBe('once');
    expect(origin.count()).toBe(1);
    expect(cache.stats.coalesced).toBe(19);
  });

  it('does not coalesce onto a response that is not stored: each waiter asks for itself', async () => {
    const cache = make();
    let i = 0;
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'private' });
      res.end(`user-${i++}`);
    };
    const all = await Promise.all(
      Array.from({ length: 5 }, () => cache.serve(get('/me'), origin.fetcher()).then(receive)),
    );
    expect(new Set(all.map((a) => a.body)).size).toBe(5);
  });

  it('passes a body over the size limit through whole and stores nothing', async () => {
    const cache = make({ maxBodyBytes: 1000 });
    const big = 'x'.repeat(5000);
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
      res.write(big.slice(0, 700));
      setTimeout(() => res.end(big.slice(700)), 5);
    };
    const r = await receive(await cache.serve(get('/big'), origin.fetcher()));
    expect(r.body).toBe(big);
    expect(cache.stats.stored).toBe(0);
  });

  it('bypasses a GET with a body (fat GET) and requests it would not key', async () => {
    const cache = make();
    const fat = await cache.serve({ ...get('/a'), hasBody: true }, origin.fetcher());
    expect(fat.outcome).toBe('bypass');
    const bad = await cache.serve(get('/a%zz'), origin.fetcher());
    expect(bad.outcome).toBe('bypass');
    expect(cache.stats.stored).toBe(0);
  });

  it('invalidates a target on a successful unsafe request', async () => {
    const cache = make();
    await receive(await cache.serve(get('/a'), origin.fetcher()));
    await receive(await cache.serve(get('/a', {}, 'POST'), origin.fetcher('POST')));
    expect((await cache.serve(get('/a'), origin.fetcher())).outcome).toBe('miss');
  });

  describe('entries on Redis (db 15, own prefix)', () => {
    const prefix = `faultline:test:httpcache:${process.pid}:${n++}:`;
    const redis = new Redis({ db: 15 });
    afterAll(() => redis.disconnect());
    afterEach(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    });

    const redisOnly = (extra: CacheConfigInput = {}) =>
      make({ memory: false, redis: { db: 15, keyPrefix: prefix, commandTimeoutMs: 1000 }, ...extra });

    it.each([
      ['random bytes', (b: Buffer) => Buffer.from(b.map((_, i) => (i * 7919) & 0xff))],
      ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length * 0.7))],
      ['poison', () => Buffer.from('{"__faultline_poison__":')],
      [
        'a body swapped',
        (b: Buffer) => {
          const c = Buffer.from(b);
          c.write('EVIL', c.length - 4);
          return c;
        },
      ],
    ])('never serves a corrupted entry (%s): discards, counts, refetches', async (_name, corrupt) => {
      const cache = redisOnly();
      await cache.ready();
      const failures: string[] = [];
      cache.onIntegrityFailure((e) => failures.push(`${e.tier}:${e.reason}`));
      origin.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
        res.end('genuine body');
      };
      await receive(await cache.serve(get('/i'), origin.fetcher()));
      expect((await cache.serve(get('/i'), origin.fetcher())).outcome).toBe('hit');
      const key = `${prefix}GET http://example.test/i`;
      const stored = (await redis.getBuffer(key)) as Buffer;
      await redis.set(key, corrupt(stored), 'KEEPTTL');
      const r = await receive(await cache.serve(get('/i'), origin.fetcher()));
      expect(r).toMatchObject({ body: 'genuine body', outcome: 'miss' });
      expect(cache.stats.integrityFailures).toBe(1);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(/^redis:/);
      expect(origin.count()).toBe(2);
      expect(await receive(await cache.serve(get('/i'), origin.fetcher()))).toMatchObject({
        body: 'genuine body',
        outcome: 'hit',
      });
    });

    it('with verify off serves a truncated entry (the negative control fails)', async () => {
      const cache = redisOnly({ integrity: { key: KEY, verify: false } });
      await cache.ready();
      origin.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
        res.end('genuine body, long enough to cut');
      };
      await receive(await cache.serve(get('/i'), origin.fetcher()));
      const key = `${prefix}GET http://example.test/i`;
      const stored = (await redis.getBuffer(key)) as Buffer;
      await redis.set(key, stored.subarray(0, stored.length - 10), 'KEEPTTL');
      const r = await receive(await cache.serve(get('/i'), origin.fetcher()));
      expect(r.outcome).toBe('hit');
      expect(r.body).not.toBe('genuine body, long enough to cut');
    });

    it('fills the memory tier from Redis, and a second gateway with the same key reads the first one’s entries', async () => {
      const writer = make({ redis: { db: 15, keyPrefix: prefix, commandTimeoutMs: 1000 } });
      const reader = make({ redis: { db: 15, keyPrefix: prefix, commandTimeoutMs: 1000 } });
      await Promise.all([writer.ready(), reader.ready()]);
      await receive(await writer.serve(get('/shared'), origin.fetcher()));
      expect((await reader.serve(get('/shared'), origin.fetcher())).outcome).toBe('hit');
      expect(origin.count()).toBe(1);
    });
  });
});
