/**
 * Response `Cache-Control` directives (RFC 9111 §5.2.2) and the RFC 5861 extensions, parsed
 * strictly: a directive whose argument is not a non-negative integer where one is required, or a
 * freshness directive given twice with different values, makes the header `invalid` (RFC 9111
 * §4.2.1: "a cache SHOULD consider [conflicting] responses stale"), and an invalid header is
 * never stored.
 */
export interface CacheControl {
  /** Seconds (`max-age`). */
  readonly maxAge?: number;
  /** Seconds (`s-maxage`): overrides `max-age` in a shared cache. */
  readonly sMaxAge?: number;
  readonly noStore: boolean;
  /** `no-cache` in any form (with or without a field list). */
  readonly noCache: boolean;
  /** `private` in any form. */
  readonly private: boolean;
  readonly public: boolean;
  /** `must-revalidate` or `proxy-revalidate`: never serve stale. */
  readonly mustRevalidate: boolean;
  /** Seconds (RFC 5861 §3). */
  readonly staleWhileRevalidate?: number;
  /** Seconds (RFC 5861 §4). */
  readonly staleIfError?: number;
  /** Some directive was malformed or contradicted itself. */
  readonly invalid: boolean;
}

const seconds = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);

/** Splits on commas outside quoted strings. */
function directives(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((d) => d.trim()).filter((d) => d.length > 0);
}

/** Parses one or more `Cache-Control` field values (as Node gives them: joined or an array). */
export function parseCacheControl(value: string | string[] | undefined): CacheControl {
  const values = new Map<string, number>();
  const flags = new Set<string>();
  let invalid = false;
  const header = Array.isArray(value) ? value.join(',') : (value ?? '');
  for (const d of directives(header)) {
    const eq = d.indexOf('=');
    const name = (eq === -1 ? d : d.slice(0, eq)).trim().toLowerCase();
    let arg = eq === -1 ? undefined : d.slice(eq + 1).trim();
    if (arg?.startsWith('"') && arg.endsWith('"') && arg.length >= 2) arg = arg.slice(1, -1);
    if (seconds.has(name)) {
      if (arg === undefined || !/^\d{1,10}$/.test(arg)) {
        invalid = true;
        continue;
      }
      const n = Number(arg);
      const prior = values.get(name);
      if (prior !== undefined && prior !== n) invalid = true;
      values.set(name, n);
    } else {
      flags.add(name);
    }
  }
  return {
    maxAge: values.get('max-age'),
    sMaxAge: values.get('s-maxage'),
    noStore: flags.has('no-store'),
    noCache: flags.has('no-cache'),
    private: flags.has('private'),
    public: flags.has('public'),
    mustRevalidate: flags.has('must-revalidate') || flags.has('proxy-revalidate'),
    staleWhileRevalidate: values.get('stale-while-revalidate'),
    staleIfError: values.get('stale-if-error'),
    invalid,
  };
}
