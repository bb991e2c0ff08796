/**
 * The HTTP kit of the servers we run (the fault proxy's API, the gateway's admin listener, the
 * reference service): whole-response writers, a body reader with a size limit, and route matching.
 * Each server keeps its own error body. Listener hardening (bearer token, limits) belongs here.
 */
export {
  BadJsonBodyError,
  BodyTooLargeError,
  parseJsonBody,
  type ReadBodyOptions,
  readBody,
} from './read-body.js';
export { type HttpRoute, matchRoute, pathOf, pathPattern, type RouteMatch } from './router.js';
export { sendBody, sendJson } from './send.js';
