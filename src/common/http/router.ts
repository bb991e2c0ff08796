/**
 * Routing for our small HTTP servers: a route is any value with the methods it answers and a path
 * pattern; `matchRoute` finds the first that fits. Each server keeps its own route shape (its
 * handler signature) and its own error bodies; this module only matches.
 */
export interface HttpRoute {
  /** Methods answered, e.g. `['GET']` or `['POST', 'PATCH']`. */
  readonly methods: readonly string[];
  /** Matched against the whole path (no query); named groups become `params`. */
  readonly pattern: RegExp;
}

export type RouteMatch<R extends HttpRoute> =
  | { readonly kind: 'found'; readonly route: R; readonly params: Record<string, string> }
  /** The path exists under other methods: 405 with `Allow`, not 404. */
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not_found' };

/**
 * Compiles a path template to a pattern: `/proxies/:proxy/toxics/:toxic` matches one segment per
 * `:name` (captured as a named group). A RegExp is used as it is.
 */
export function pathPattern(path: string | RegExp): RegExp {
  if (typeof path !== 'string') return path;
  return new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
}

/** The first route whose pattern and method fit; params are percent-decoded (raw when malformed). */
export function matchRoute<R extends HttpRoute>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> {
  const allowed: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m === null) continue;
    if (route.methods.includes(method)) return { kind: 'found', route, params: decodeParams(m.groups) };
    allowed.push(...route.methods);
  }
  return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
}

/** The path of a request target, without its query (`/a/b?x=1` → `/a/b`). */
export function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function decodeParams(groups: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups ?? {})) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}
