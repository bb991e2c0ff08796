import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../common/http/index.js';
import type { ServiceState } from './service-state.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named groups captured by the route's pattern. */
  params: Record<string, string>;
  state: ServiceState;
}

/** One route of the reference service, matched by the HTTP kit's `matchRoute`. */
export interface ServiceRoute extends HttpRoute {
  handle(ctx: RouteContext): Promise<void> | void;
}
