import { parseCacheControl } from './cache-control.js';
import type { CacheEntry } from './cache-entry.js';

type Headers = Record<string, string | string[] | undefined>;

/** What a response allows, or why it is not stored. */
export type StoragePlan =
  | {
      readonly store: true;
      /** s */
      readonly lifetime: number;
      readonly initialAge: number;
      readonly staleWhileRevalidate: number;
      readonly staleIfError: number;
      readonly vary: readonly string[];
    }
  | { readonly store: false; readonly reason: string };

export interface StorageRules {
  /** Statuses that may be stored (only with explicit freshness). */
  readonly statuses: ReadonlySet<number>;
  /** Content-type patterns (`text/*`, `application/json`, `application/*+json`). */
  readonly contentTypes: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxVaryHeaders: number;
  /** Honour `stale-while-revalidate` / `stale-if-error` (RFC 5861). */
  readonly staleWhileRevalidate: boolean;
  readonly staleIfError: boolean;
}

const single = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(', ') : v;

/** An RFC 9110 §5.6.7 HTTP-date (IMF-fixdate and the obsolete forms Date.parse accepts), epoch ms. */
function httpDate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

const mediaType = /^([a-z0-9!#$&^_.+-]+)\/([a-z0-9!#$&^_.+-]+)$/;

/** Whether `contentType` (parameters ignored) matches one of `patterns`. */
export function contentTypeAllowed(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  const m = mediaType.exec(type);
  if (!m) return false;
  const [, top, sub] = m as unknown as [string, string, string];
  return patterns.some((p) => {
    const [pt, ps] = p.toLowerCase().split('/') as [string, string | undefined];
    if (pt !== '*' && pt !== top) return false;
    if (ps === '*' || ps === sub) return true;
    return ps?.startsWith('*+') === true && sub.endsWith(ps.slice(1));
  });
}

/**
 * Whether a shared cache may store this response (RFC 9111 §3), under the stricter rule that
 * only *explicitly* fresh responses are stored (`s-maxage`, `max-age` or `Expires`; no heuristic
 * freshness): a storable status, no `no-store`/`no-cache`/`private`, no `Set-Cookie`, no
 * `Vary: *`, an allowed content type, a known size within the limit, no `Content-Range`, and for
 * a request with `Authorization` only when `public`, `s-maxage` or `must-revalidate` says so
 * (§3.5). `now` is epoch ms.
 */
export function planStorage(
  status: number,
  headers: Headers,
  requestHasAuthorization: boolean,
  rules: StorageRules,
  now: number,
): StoragePlan {
  if (!rules.statuses.has(status)) return { store: false, reason: 'status' };
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.invalid) return { store: false, reason: 'cache-control-invalid' };
  if (cc.noStore) return { store: false, reason: 'no-store' };
  if (cc.private) return { store: false, reason: 'private' };
  if (cc.noCache) return { store: false, reason: 'no-cache' };
  if (headers['set-cookie'] !== undefined) return { store: false, reason: 'set-cookie' };
  if (headers['content-range'] !== undefined) return { store: false, reason: 'content-range' };
  if (requestHasAuthorization && !cc.public && cc.sMaxAge === undefined && !cc.mustRevalidate)
    return { store: false, reason: 'authorization' };
  const vary = (single(headers.vary) ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  if (vary.includes('*')) return { store: false, reason: 'vary-star' };
  if (vary.length > rules.maxVaryHeaders) return { store: false, reason: 'vary-too-many' };
  if (vary.some((v) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(v)))
    return { store: false, reason: 'vary-invalid' };
  const lengthHeader = single(headers['content-length']);
  if (lengthHeader !== undefined) {
    if (!/^\d+$/.test(lengthHeader)) return { store: false, reason: 'content-length-invalid' };
    if (Number(lengthHeader) > rules.maxBodyBytes) return { store: false, reason: 'too-large' };
  }
  const hasBody = status !== 204 && status !== 304 && lengthHeader !== '0';
  if (hasBody && !contentTypeAllowed(single(headers['content-type']), rules.contentTypes))
    return { store: false, reason: 'content-type' };

  let lifetime: number | undefined = cc.sMaxAge ?? cc.maxAge;
  const date = httpDate(single(headers.date)) ?? now;
  if (lifetime === undefined && headers.expires !== undefined) {
    const expires = httpDate(single(headers.expires));
    lifetime = expires === undefined ? 0 : Math.floor((expires - date) / 1000);
  }
  if (lifetime === undefined) return { store: false, reason: 'no-explicit-freshness' };
  if (!(lifetime > 0)) return { store: false, reason: 'not-fresh' };
  // RFC 9111 §4.2.3: corrected_initial_age = max(apparent_age, age_value) (response delay ≈ 0).
  const ageHeader = single(headers.age);
  const ageValue = ageHeader !== undefined && /^\d+$/.test(ageHeader) ? Number(ageHeader) : 0;
  const apparentAge = Math.max(0, Math.floor((now - date) / 1000));
  const initialAge = Math.max(apparentAge, ageValue);
  const staleAllowed = !cc.mustRevalidate;
  return {
    store: true,
    lifetime,
    initialAge,
    staleWhileRevalidate: staleAllowed && rules.staleWhileRevalidate ? (cc.staleWhileRevalidate ?? 0) : 0,
    staleIfError: staleAllowed && rules.staleIfError ? (cc.staleIfError ?? 0) : 0,
    vary,
  };
}

/** The entry's current age, s (RFC 9111 §4.2.3 current_age). */
export function currentAge(entry: CacheEntry, now: number): number {
  return entry.initialAge + Math.max(0, (now - entry.storedAt) / 1000);
}

/** How long a store should keep the entry, ms: fresh time left plus the longest stale window. */
export function retentionMs(entry: CacheEntry, now: number): number {
  const left =
    entry.lifetime + Math.max(entry.staleWhileRevalidate, entry.staleIfError) - currentAge(entry, now);
  return Math.floor(left * 1000);
}
