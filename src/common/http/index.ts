/**
 * The HTTP kit of the servers we run (the fault proxy's API, the gateway's admin listener, the
 * reference service): whole-response writers, a body reader with a size limit, and route matching.
 * Each server keeps its own error body. Listener hardening is written once here: the limits and
 * request-head checks (`http-limits`), the server they configure (`http-listener`), and the
 * bearer token of control listeners (`bearer-token`, `control-access`).
 */
export { BearerToken, bearerChallenge, UnauthorizedError } from './bearer-token.js';
export {
  type ControlAccessOptions,
  ControlTokenRequiredError,
  controlAccess,
  MIN_TOKEN_LENGTH,
  TOKEN_ENV,
  WeakTokenError,
} from './control-access.js';
export {
  BadFramingError,
  checkRequestHead,
  defaultHttpLimits,
  HeaderFieldsTooLargeError,
  type HttpLimits,
  httpLimitsSchema,
  RequestTimeoutError,
  UriTooLongError,
} from './http-limits.js';
export {
  answerClientError,
  type ClientErrorAnswer,
  createHttpListener,
  type HttpListenerOptions,
} from './http-listener.js';
export {
  BadJsonBodyError,
  BodyTooLargeError,
  parseJsonBody,
  type ReadBodyOptions,
  readBody,
} from './read-body.js';
export { type HttpRoute, matchRoute, pathOf, pathPattern, type RouteMatch } from './router.js';
export { sendBody, sendJson } from './send.js';
