import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isFaultlineError } from '../../common/errors.js';
import {
  type BearerToken,
  bearerChallenge,
  checkRequestHead,
  defaultHttpLimits,
  type HttpRoute,
  matchRoute,
  pathOf,
  pathPattern,
  readBody,
  sendBody,
} from '../../common/http/index.js';
import { packageVersion } from '../../common/package-version.js';
import { ProxyApiError } from './errors.js';
import type { ProxyCollection } from './proxy-collection.js';

/** Request bodies above this size are refused (413): proxy configs are small. */
const MAX_BODY = 1024 * 1024;

type Params = Record<string, string>;
interface Reply {
  status: number;
  /** JSON body; omitted for 204. */
  json?: unknown;
  text?: string;
  contentType?: string;
}
interface Request {
  params: Params;
  /** The parsed JSON body; `undefined` when the body was empty. */
  body(): unknown;
  header(name: string): string | undefined;
}
type Handler = (req: Request) => Reply | Promise<Reply>;
interface Route extends HttpRoute {
  handler: Handler;
}

/** The body Toxiproxy's decoder reports for an empty body: `bad request body: EOF`. */
function required(req: Request): unknown {
  const body = req.body();
  if (body === undefined) throw new ProxyApiError('badRequestBody', 'EOF');
  return body;
}

function routes(proxies: ProxyCollection, metrics: Registry): Route[] {
  const route = (methods: string, path: string, handler: Handler): Route => ({
    methods: methods.split('|'),
    pattern: pathPattern(path),
    handler,
  });
  return [
    route('POST', '/reset', async () => {
      await proxies.reset();
      return { status: 204 };
    }),
    route('GET', '/proxies', () => ({ status: 200, json: proxies.listProxies() })),
    route('POST', '/proxies', async (r) => ({ status: 201, json: await proxies.createProxy(required(r)) })),
    route('POST', '/populate', async (r) => ({
      status: 201,
      json: { proxies: await proxies.populate(required(r)) },
    })),
    route('GET', '/proxies/:proxy', (r) => ({ status: 200, json: proxies.getProxy(r.params.proxy!) })),
    route('POST|PATCH', '/proxies/:proxy', async (r) => {
      proxies.getProxy(r.params.proxy!); // 404 before 400, as Toxiproxy
      return { status: 200, json: await proxies.updateProxy(r.params.proxy!, required(r)) };
    }),
    route('DELETE', '/proxies/:proxy', async (r) => {
      await proxies.deleteProxy(r.params.proxy!);
      return { status: 204 };
    }),
    route('GET', '/proxies/:proxy/toxics', (r) => ({
      status: 200,
      json: proxies.listToxics(r.params.proxy!),
    })),
    route('POST', '/proxies/:proxy/toxics', (r) => {
      proxies.getProxy(r.params.proxy!);
      const lease = r.header('x-faultline-lease');
      return {
        status: 200,
        json: proxies.addToxic(r.params.proxy!, required(r), lease === undefined ? {} : { lease }),
      };
    }),
    route('GET', '/proxies/:proxy/toxics/:toxic', (r) => ({
      status: 200,
      json: proxies.getToxic(r.params.proxy!, r.params.toxic!),
    })),
    route('POST|PATCH', '/proxies/:proxy/toxics/:toxic', (r) => {
      proxies.getToxic(r.params.proxy!, r.params.toxic!);
      return { status: 200, json: proxies.updateToxic(r.params.proxy!, r.params.toxic!, required(r)) };
    }),
    route('DELETE', '/proxies/:proxy/toxics/:toxic', (r) => {
      proxies.removeToxic(r.params.proxy!, r.params.toxic!);
      return { status: 204 };
    }),
    route('GET', '/version', () => ({
      status: 200,
      text: `{"version": "${packageVersion()}"}\n`,
      contentType: 'application/json;charset=utf-8',
    })),
    route('GET', '/metrics', async () => ({
      status: 200,
      text: await metrics.metrics(),
      contentType: metrics.contentType,
    })),
    route('POST', '/leases', (r) => ({ status: 201, json: proxies.createLease(required(r)) })),
    route('GET', '/leases/:lease', (r) => ({ status: 200, json: proxies.getLease(r.params.lease!) })),
    route('POST', '/leases/:lease/renew', (r) => ({
      status: 200,
      json: proxies.renewLease(r.params.lease!, r.body() ?? {}),
    })),
    route('DELETE', '/leases/:lease', (r) => {
      proxies.releaseLease(r.params.lease!);
      return { status: 204 };
    }),
  ];
}

/** Writes a JSON (or pre-rendered) reply. The one place responses are written. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) {
    sendBody(res, 204, '');
    return;
  }
  const body = reply.text ?? JSON.stringify(reply.json);
  sendBody(res, reply.status, body, { 'content-type': reply.contentType ?? 'application/json' });
}

/** `{"error":…,"status":N}` — Toxiproxy's error body. Unknown errors are 500s and get logged. */
function errorReply(err: unknown, logger: Logger | undefined): Reply {
  if (isFaultlineError(err) && err.httpStatus < 500) {
    return {
      status: err.httpStatus,
      text: `${JSON.stringify({ error: err.message, status: err.httpStatus })}\n`,
    };
  }
  logger?.error({ err }, 'proxy API internal error');
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, text: `${JSON.stringify({ error: message, status: 500 })}\n` };
}

/**
 * The Toxiproxy-compatible HTTP API as a node:http request listener over a ProxyCollection.
 * Every response carries X-Toxiproxy-Request-Id; browsers (User-Agent `Mozilla/…`) get 403, a
 * guard against cross-site requests from a web page. With a `token`, every request must carry
 * it (`Authorization: Bearer …`, or Basic with the token as password), else 401 before anything
 * is read or changed.
 */
export function createApiHandler(
  proxies: ProxyCollection,
  metrics: Registry,
  logger?: Logger,
  token?: BearerToken,
): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(proxies, metrics);
  return (req, res) => {
    res.setHeader('X-Toxiproxy-Request-Id', randomBytes(10).toString('hex'));
    if (token && !token.matches(req.headers.authorization)) {
      req.resume();
      res.setHeader('www-authenticate', bearerChallenge);
      sendReply(res, errorReply(new ProxyApiError('unauthorized'), logger));
      return;
    }
    // The listener's limits and framing checks (the HTTP kit): refused, and the connection closed.
    const refusal = checkRequestHead(req, defaultHttpLimits);
    if (refusal !== undefined) {
      req.resume();
      res.setHeader('connection', 'close');
      sendReply(res, errorReply(refusal, logger));
      return;
    }
    handle(table, req, logger).then(
      (reply) => sendReply(res, reply),
      (err: unknown) => sendReply(res, errorReply(err, logger)),
    );
  };
}

async function handle(table: Route[], req: IncomingMessage, logger: Logger | undefined): Promise<Reply> {
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
    req.resume();
    throw new ProxyApiError('forbidden');
  }
  const path = pathOf(req.url);
  const method = req.method ?? 'GET';
  const match = matchRoute(table, method, path);
  if (match.kind !== 'found') {
    req.resume();
    throw new ProxyApiError(match.kind === 'method_not_allowed' ? 'methodNotAllowed' : 'notFound');
  }
  const raw = await readBody(req, { maxBytes: MAX_BODY, tooLarge: () => new ProxyApiError('bodyTooLarge') });
  let parsed: unknown;
  let parseError: unknown;
  if (raw.length > 0) {
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      parseError = err;
    }
  }
  const request: Request = {
    params: match.params,
    body: () => {
      if (parseError !== undefined) {
        throw new ProxyApiError('badRequestBody', (parseError as Error).message);
      }
      return parsed;
    },
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
  };
  const reply = await match.route.handler(request);
  logger?.debug({ method, path, status: reply.status }, 'api request');
  return reply;
}
