import { describe, expect, it } from 'vitest';
import { normalizeHost, planCacheKey, removeDotSegments } from '../../../src/stack/cache/cache-key.js';

const opts = { maxTargetBytes: 2048, sortQuery: true };
const key = (target: string, host = 'example.test', method = 'GET'): string | undefined => {
  const p = planCacheKey(method, target, host, opts);
  return p.cacheable ? p.key : undefined;
};

describe('cache keys', () => {
  it('shares one key between GET and HEAD and refuses other methods', () => {
    expect(key('/a', 'h', 'HEAD')).toBe(key('/a', 'h', 'GET'));
    expect(planCacheKey('POST', '/a', 'h', opts)).toEqual({ cacheable: false, reason: 'method' });
  });

  it('normalises the host: case, trailing dot, default port', () => {
    expect(normalizeHost('Example.TEST.')).toBe('example.test');
    expect(normalizeHost('example.test:80')).toBe('example.test');
    expect(normalizeHost('example.test:8080')).toBe('example.test:8080');
    expect(normalizeHost('[::1]:8080')).toBe('[::1]:8080');
    expect(normalizeHost('evil.test@good.test')).toBeUndefined();
    expect(normalizeHost('good.test/evil')).toBeUndefined();
    expect(normalizeHost('a b')).toBeUndefined();
    expect(normalizeHost(undefined)).toBeUndefined();
    expect(key('/', 'Example.test:80')).toBe('GET http://example.test/');
  });

  it('keys different hosts apart', () => {
    expect(key('/', 'a.test')).not.toBe(key('/', 'b.test'));
  });

  it('removes dot segments (RFC 3986 §5.2.4)', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g');
    expect(removeDotSegments('/../a')).toBe('/a');
    expect(removeDotSegments('/a/..')).toBe('/');
    expect(removeDotSegments('/a/.')).toBe('/a/');
    expect(key('/x/../static/app.js')).toBe(key('/static/app.js'));
  });

  it('normalises percent-encoding: unreserved decoded, the rest upper-cased, %2F kept', () => {
    expect(key('/%7euser/%61')).toBe(key('/~user/a'));
    expect(key('/a%2fb')).toBe('GET http://example.test/a%2Fb');
    expect(key('/a%2fb')).not.toBe(key('/a/b'));
  });

  it('keeps duplicate slashes (not collapsed)', () => {
    expect(key('//a')).not.toBe(key('/a'));
  });

  it('refuses malformed escapes and characters outside RFC 3986', () => {
    for (const t of ['/a%zz', '/a%4', '/a b', '/a\\b', '/a"b', '/é', '/a?x=%G1', '/a?x=<script>'])
      expect(planCacheKey('GET', t, 'h', opts).cacheable, t).toBe(false);
  });

  it('sorts query parameters by name, keeps equal names in order, drops empty pairs', () => {
    expect(key('/s?b=2&a=1')).toBe(key('/s?a=1&b=2'));
    expect(key('/s?a=2&a=1')).not.toBe(key('/s?a=1&a=2'));
    expect(key('/s?a=1&&b=2&')).toBe(key('/s?a=1&b=2'));
    expect(key('/s?')).toBe(key('/s'));
  });

  it('splits the query on & only: a ; stays inside its value (parameter cloaking)', () => {
    const p = planCacheKey('GET', '/js?callback=ok&utm_content=x;callback=evil', 'h', opts);
    expect(p.cacheable && p.target).toBe('/js?callback=ok&utm_content=x;callback=evil');
    expect(key('/js?callback=ok&utm_content=x;callback=evil')).not.toBe(key('/js?callback=ok&utm_content=x'));
  });

  it('gives the forwarded target: the same normalisation as the key', () => {
    const p = planCacheKey('GET', '/a/./b/../c?z=1&a=%7e', 'h', opts);
    expect(p).toEqual({ cacheable: true, key: 'GET http://h/a/c?a=~&z=1', target: '/a/c?a=~&z=1' });
  });

  it('refuses over-long targets and non-origin-form targets', () => {
    expect(planCacheKey('GET', `/${'a'.repeat(3000)}`, 'h', opts).cacheable).toBe(false);
    expect(planCacheKey('GET', 'http://h/a', 'h', opts).cacheable).toBe(false);
  });

  it('can leave the query order alone', () => {
    const p = planCacheKey('GET', '/s?b=2&a=1', 'h', { ...opts, sortQuery: false });
    expect(p.cacheable && p.target).toBe('/s?b=2&a=1');
  });
});
