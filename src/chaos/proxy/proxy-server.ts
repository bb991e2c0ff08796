import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
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
  const http = createServer();
  http.keepAliveTimeout = 5_000;
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
  http.on('request', createApiHandler(server, metrics, options.logger));
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
