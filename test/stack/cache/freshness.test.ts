import { describe, expect, it } from 'vitest';
import { defaultCacheableStatuses, defaultContentTypes } from '../../../src/stack/cache/cache-config.js';
import { parseCacheControl } from '../../../src/stack/cache/cache-control.js';
import { contentTypeAllowed, planStorage, type StorageRules } from '../../../src/stack/cache/freshness.js';

const rules: StorageRules = {
  statuses: new Set(defaultCacheableStatuses),
  contentTypes: defaultContentTypes,
  maxBodyBytes: 1024,
  maxVaryHeaders: 2,
  staleWhileRevalidate: true,
  staleIfError: true,
};
const now = Date.parse('2026-01-01T00:00:00Z');
const plan = (headers: Record<string, string | string[]>, status = 200, auth = false) =>
  planStorage(status, { 'content-type': 'text/plain', ...headers }, auth, rules, now);

describe('Cache-Control parsing', () => {
  it('reads the RFC 9111 and RFC 5861 directives, case-insensitively, quoted or not', () => {
    const cc = parseCacheControl(
      'Max-Age=60, s-maxage="30", stale-while-revalidate=5, stale-if-error=600, public',
    );
    expect(cc).toMatchObject({
      maxAge: 60,
      sMaxAge: 30,
      staleWhileRevalidate: 5,
      staleIfError: 600,
      public: true,
    });
    expect(cc.invalid).toBe(false);
  });

  it('marks malformed or conflicting values invalid', () => {
    expect(parseCacheControl('max-age=abc').invalid).toBe(true);
    expect(parseCacheControl('max-age=-1').invalid).toBe(true);
    expect(parseCacheControl('max-age').invalid).toBe(true);
    expect(parseCacheControl(['max-age=10', 'max-age=20']).invalid).toBe(true);
    expect(parseCacheControl('max-age=10, max-age=10').invalid).toBe(false);
  });

  it('sees no-cache and private with field lists', () => {
    expect(parseCacheControl('private="set-cookie", max-age=5').private).toBe(true);
    expect(parseCacheControl('no-cache="a, b"').noCache).toBe(true);
  });
});

describe('what may be stored', () => {
  it('stores only explicitly fresh responses', () => {
    expect(plan({ 'cache-control': 'max-age=60' })).toMatchObject({ store: true, lifetime: 60 });
    expect(plan({ 'cache-control': 's-maxage=30, max-age=60' })).toMatchObject({ store: true, lifetime: 30 });
    expect(plan({})).toEqual({ store: false, reason: 'no-explicit-freshness' });
    expect(plan({ 'cache-control': 'max-age=0' })).toEqual({ store: false, reason: 'not-fresh' });
    expect(
      plan({ date: new Date(now).toUTCString(), expires: new Date(now + 120_000).toUTCString() }),
    ).toMatchObject({ store: true, lifetime: 120 });
    expect(plan({ expires: 'garbage' })).toEqual({ store: false, reason: 'not-fresh' });
  });

  it('refuses no-store, private, no-cache, Set-Cookie, Vary: *, Content-Range', () => {
    const base = 'max-age=60';
    expect(plan({ 'cache-control': `${base}, no-store` })).toMatchObject({ reason: 'no-store' });
    expect(plan({ 'cache-control': `${base}, private` })).toMatchObject({ reason: 'private' });
    expect(plan({ 'cache-control': `${base}, no-cache` })).toMatchObject({ reason: 'no-cache' });
    expect(plan({ 'cache-control': base, 'set-cookie': 'a=b' })).toMatchObject({ reason: 'set-cookie' });
    expect(plan({ 'cache-control': base, vary: 'Accept, *' })).toMatchObject({ reason: 'vary-star' });
    expect(plan({ 'cache-control': base, vary: 'a, b, c' })).toMatchObject({ reason: 'vary-too-many' });
    expect(plan({ 'cache-control': base, 'content-range': 'bytes 0-1/2' })).toMatchObject({
      reason: 'content-range',
    });
  });

  it('refuses statuses outside the list, 206 and 5xx among them', () => {
    for (const s of [206, 302, 500, 503])
      expect(plan({ 'cache-control': 'max-age=60' }, s).store).toBe(false);
    for (const s of [200, 301, 404, 410]) expect(plan({ 'cache-control': 'max-age=60' }, s).store).toBe(true);
  });

  it('refuses a request with Authorization unless public, s-maxage or must-revalidate', () => {
    expect(plan({ 'cache-control': 'max-age=60' }, 200, true)).toMatchObject({ reason: 'authorization' });
    expect(plan({ 'cache-control': 'max-age=60, public' }, 200, true).store).toBe(true);
    expect(plan({ 'cache-control': 's-maxage=60' }, 200, true).store).toBe(true);
  });

  it('limits size and content type', () => {
    expect(plan({ 'cache-control': 'max-age=60', 'content-length': '2048' })).toMatchObject({
      reason: 'too-large',
    });
    expect(plan({ 'cache-control': 'max-age=60', 'content-length': '1e3' })).toMatchObject({
      reason: 'content-length-invalid',
    });
    expect(
      planStorage(
        200,
        { 'cache-control': 'max-age=60', 'content-type': 'application/octet-stream' },
        false,
        rules,
        now,
      ),
    ).toMatchObject({ reason: 'content-type' });
    expect(planStorage(200, { 'cache-control': 'max-age=60' }, false, rules, now)).toMatchObject({
      reason: 'content-type',
    });
    expect(planStorage(204, { 'cache-control': 'max-age=60' }, false, rules, now).store).toBe(true);
  });

  it('matches content types by pattern, parameters ignored, malformed refused', () => {
    expect(contentTypeAllowed('text/html; charset=utf-8', ['text/*'])).toBe(true);
    expect(contentTypeAllowed('application/problem+json', ['application/*+json'])).toBe(true);
    expect(contentTypeAllowed('application/json', ['text/*'])).toBe(false);
    expect(contentTypeAllowed('text/html\r\nx: y', ['text/*'])).toBe(false);
    expect(contentTypeAllowed('text', ['text/*'])).toBe(false);
  });

  it('keeps the RFC 5861 windows unless must-revalidate or switched off', () => {
    const cc = { 'cache-control': 'max-age=1, stale-while-revalidate=5, stale-if-error=60' };
    expect(plan(cc)).toMatchObject({ staleWhileRevalidate: 5, staleIfError: 60 });
    expect(plan({ 'cache-control': `${cc['cache-control']}, must-revalidate` })).toMatchObject({
      staleWhileRevalidate: 0,
      staleIfError: 0,
    });
    expect(
      planStorage(
        200,
        { 'content-type': 'text/plain', ...cc },
        false,
        { ...rules, staleIfError: false },
        now,
      ),
    ).toMatchObject({ staleWhileRevalidate: 5, staleIfError: 0 });
  });

  it('takes the larger of the Age header and the apparent age', () => {
    expect(plan({ 'cache-control': 'max-age=60', age: '7' })).toMatchObject({ initialAge: 7 });
    expect(plan({ 'cache-control': 'max-age=60', date: new Date(now - 10_000).toUTCString() })).toMatchObject(
      {
        initialAge: 10,
      },
    );
  });
});
