import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { controlAccess, createHttpListener } from '../../common/http/index.js';
import { formatAddress } from './address.js';
import { ProxyApiError } from './errors.js';
import { createApiHandler } from './http-api.js';
import { createProxyMetrics } from './metrics.js';
import { ProxyCollection, type ProxyCollectionOptions } from './proxy-collection.js';
import type { ProxyInput } from './schemas.js';

export interface ProxyServerOptions extends ProxyCollectionOptions {
  /** Address of the HTTP API. @default "127.0.0.1" */
  host?: string;
  /** Port of the HTTP API; 0 picks a free one. @default 8474 */
  port?: number;
  /** Proxies to create at start (the `--config` file's content), as POST /populate. @default [] */
  config?: ProxyInput[];
  /**
   * Bearer token every API request must carry (at least 16 characters). Default: FAULTLINE_TOKEN.
   * Required when `host` is not loopback: without one, `startProxyServer` throws
   * ControlTokenRequiredError (exit 2) and binds nothing.
   */
  token?: string;
}

/**
 * A ProxyCollection with the Toxiproxy-compatible HTTP API in front of it. Every operation is
 * available both ways: in-process (`server.createProxy(...)`) and over HTTP (`server.url`).
 */
export class ProxyServer extends ProxyCollection {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8474`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Prometheus registry behind GET /metrics. */
  readonly metrics: Registry;
  private http: Server | undefined;

  /** Use `startProxyServer()`. */
  constructor(
    options: ProxyCollectionOptions & { http: Server; metrics: Registry; host: string; port: number },
  ) {
    super(options);
    this.http = options.http;
    this.metrics = options.metrics;
    this.host = options.host;
    this.port = options.port;
    this.url = `http://${formatAddress(options.host, options.port)}`;
  }

  /** Stops the API and closes every proxy listener and connection. */
  override async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    }
    await super.close();
  }
}

/**
 * Starts a fault proxy server in this process: the HTTP API on host:port, then the proxies of
 * `config`. Cheap: one HTTP listener, no child process. Throws `ProxyApiError` (`listenInUse`)
 * when the API port is taken.
 */
export async function startProxyServer(options: ProxyServerOptions = {}): Promise<ProxyServer> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8474;
  const token = controlAccess({ what: 'the fault proxy API', host, token: options.token });
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const http = createHttpListener((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503, { connection: 'close' }).end(); // not ready: bound, not yet serving
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ host, port: requestedPort }, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    http.close();
    const where = formatAddress(host, requestedPort);
    if (err.code === 'EADDRINUSE') throw new ProxyApiError('listenInUse', where, { cause: err });
    throw new ProxyApiError('badAddress', `cannot listen on ${where}: ${err.code ?? err.message}`, {
      cause: err,
    });
  });
  const port = (http.address() as AddressInfo).port;
  let server: ProxyServer | undefined;
  const metrics = createProxyMetrics(() => server?.stats() ?? new Map());
  server = new ProxyServer({ ...options, http, metrics, host, port });
  handler = createApiHandler(server, metrics, options.logger, token);
  if (options.config && options.config.length > 0) {
    try {
      await server.populate(options.config);
    } catch (err) {
      await server.close();
      throw err;
    }
  }
  options.logger?.info({ url: server.url, seed: server.seed }, 'fault proxy API listening');
  return server;
}
