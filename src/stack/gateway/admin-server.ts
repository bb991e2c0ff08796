import type http from 'node:http';
import {
  type BearerToken,
  bearerChallenge,
  checkRequestHead,
  createHttpListener,
  defaultHttpLimits,
} from '../../common/http/index.js';
import type { GatewayState } from './gateway-state.js';
import { sendJson } from './send-json.js';

export interface AdminSource {
  state(): GatewayState;
  /** The effective config, defaults filled in. */
  config(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  isDraining(): boolean;
  /** When set, every request must carry it (`Authorization: Bearer …`), else 401 and nothing runs. */
  token?: BearerToken | undefined;
}

/**
 * The admin API on its own port: GET /admin/upstreams (every host's state), GET /admin/config
 * (the effective config, token redacted), GET /metrics (Prometheus text), GET /healthz (200 while
 * serving, 503 while draining). With a token, all four need it (401 JSON otherwise). The
 * listener has the kit's default limits and head checks.
 */
export function createAdminServer(source: AdminSource): http.Server {
  return createHttpListener((req, res) => {
    req.resume();
    if (source.token && !source.token.matches(req.headers.authorization)) {
      sendJson(
        res,
        401,
        { error: 'missing or wrong bearer token', status: 401 },
        { 'www-authenticate': bearerChallenge },
      );
      return;
    }
    const refusal = checkRequestHead(req, defaultHttpLimits);
    if (refusal !== undefined) {
      sendJson(
        res,
        refusal.httpStatus,
        { error: refusal.message, status: refusal.httpStatus },
        { connection: 'close' },
      );
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: `method ${req.method} not allowed`, status: 405 }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/admin/upstreams') {
      sendJson(res, 200, source.state());
    } else if (path === '/admin/config') {
      sendJson(res, 200, source.config());
    } else if (path === '/healthz') {
      const draining = source.isDraining();
      sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    } else if (path === '/metrics') {
      source.metrics().then(
        (m) => {
          res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body) });
          res.end(m.body);
        },
        (err: unknown) => sendJson(res, 500, { error: `metrics failed: ${String(err)}`, status: 500 }),
      );
    } else {
      sendJson(res, 404, { error: `not found: ${path}`, status: 404 });
    }
  });
}
