import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceState } from './service-state.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named groups captured by the route's pattern. */
  params: Record<string, string>;
  state: ServiceState;
}

export interface Route {
  method: string;
  /** Matched against the whole path; named groups become `params`. */
  pattern: RegExp;
  handle(ctx: RouteContext): Promise<void> | void;
}

export interface RouteMatch {
  route: Route | undefined;
  params: Record<string, string>;
  /** The path exists under another method (405, not 404). */
  pathKnown: boolean;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  let pathKnown = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (route.method === method) return { route, params: { ...m.groups }, pathKnown };
  }
  return { route: undefined, params: {}, pathKnown };
}
