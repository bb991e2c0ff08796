import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { bearerChallenge, controlAccess, matchRoute } from '../common/http/index.js';
import { adminRoutes } from './admin-routes.js';
import { parseServiceConfig, type ServiceConfigInput } from './config.js';
import { BackgroundCpuLoad } from './cpu-burner.js';
import { createItemStore } from './create-item-store.js';
import { ExternalDependency } from './external-dependency.js';
import { type ExternalStub, startExternalStub } from './external-stub.js';
import { sendError } from './http-json.js';
import { itemRoutes } from './item-routes.js';
import { MemoryBallast } from './memory-ballast.js';
import { probeRoutes } from './probe-routes.js';
import type { ServiceRoute } from './router.js';
import { RuntimeMonitor } from './runtime-stats.js';
import { ItemStoreUnavailableError, ServiceRequestError } from './service-errors.js';
import type { ServiceState } from './service-state.js';

const routes: readonly ServiceRoute[] = [...probeRoutes, ...itemRoutes, ...adminRoutes];

export interface ReferenceService {
  readonly port: number;
  readonly url: string;
  readonly instanceId: string;
  /** The in-process external stub, when one was started (CHAOS_MOCK_EXTERNAL on, no EXTERNAL_URL). */
  readonly externalStub: ExternalStub | undefined;
  /**
   * Graceful stop: health turns 503, the listener closes, in-flight requests finish (up to
   * `shutdownTimeoutMs`), then the rest of the connections and the store close.
   */
  close(): Promise<void>;
}

/** Starts the reference service in this process. `main.ts` wraps it as a process of its own. */
export async function startService(
  input: ServiceConfigInput,
  options: { logger?: Logger } = {},
): Promise<ReferenceService> {
  const config = parseServiceConfig(input);
  // Its /admin routes inject faults (CPU, memory, health): loopback, or a token (FAULTLINE_TOKEN).
  const adminToken = controlAccess({ what: 'the reference service (its /admin routes)', host: config.host });
  const instanceId = config.instanceId ?? `service-${process.pid}`;
  const logger = options.logger?.child({ component: 'service', instance: instanceId });

  let store: ServiceState['store'];
  try {
    store = await createItemStore(config);
  } catch (err) {
    throw new ItemStoreUnavailableError(config.databaseUrl ? 'postgres' : 'redis', err);
  }

  let externalStub: ExternalStub | undefined;
  let dependencyUrl = config.externalUrl;
  if (!dependencyUrl && config.chaosMockExternal) {
    externalStub = await startExternalStub({ host: '127.0.0.1' });
    dependencyUrl = externalStub.url;
  }

  const state: ServiceState = {
    config,
    instanceId,
    store,
    dependency: dependencyUrl ? new ExternalDependency(dependencyUrl, config.dependencyTimeoutMs) : undefined,
    dependencyUrl,
    monitor: new RuntimeMonitor(),
    ballast: new MemoryBallast(),
    cpuLoad: new BackgroundCpuLoad(),
    logger,
    counters: { requests: 0, inFlight: 0, byStatus: {}, byPath: {} },
    draining: false,
    healthOverride: null,
  };

  // Requests in progress that count against `maxInFlight` (health checks and /admin/* do not).
  let working = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    state.counters.requests++;
    state.counters.inFlight++;
    // By first path segment (`/items`, `/healthz`, `/slow`): how many tries of each kind arrived.
    const segment = `/${(req.url ?? '/').split(/[/?]/)[1] ?? ''}`;
    state.counters.byPath[segment] = (state.counters.byPath[segment] ?? 0) + 1;
    res.setHeader('x-instance-id', instanceId);
    if (state.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      state.counters.inFlight--;
      const status = String(res.statusCode);
      state.counters.byStatus[status] = (state.counters.byStatus[status] ?? 0) + 1;
    });
    try {
      const url = new URL(req.url ?? '/', 'http://service');
      if (
        adminToken &&
        url.pathname.startsWith('/admin/') &&
        !adminToken.matches(req.headers.authorization)
      ) {
        req.resume();
        res.setHeader('www-authenticate', bearerChallenge);
        throw new ServiceRequestError('FL_SERVICE_UNAUTHORIZED', 'missing or wrong bearer token', 401);
      }
      if (config.maxInFlight > 0 && url.pathname !== '/healthz' && !url.pathname.startsWith('/admin/')) {
        if (working >= config.maxInFlight) {
          req.resume();
          res.setHeader('retry-after', '1');
          throw new ServiceRequestError(
            'FL_SERVICE_OVERLOADED',
            `overloaded: ${config.maxInFlight} requests in progress`,
            503,
          );
        }
        working++;
        res.once('close', () => working--);
      }
      const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
      if (match.kind !== 'found') {
        throw match.kind === 'method_not_allowed'
          ? new ServiceRequestError(
              'FL_SERVICE_METHOD',
              `method ${req.method} not allowed on ${url.pathname}`,
              405,
            )
          : new ServiceRequestError('FL_SERVICE_NOT_FOUND', `no route ${url.pathname}`, 404);
      }
      await match.route.handle({ req, res, url, params: match.params, state });
    } catch (err) {
      if (!(err instanceof ServiceRequestError)) logger?.warn({ err, url: req.url }, 'request failed');
      sendError(res, err);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger?.info({ port }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.draining = true;
      state.cpuLoad.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (state.counters.inFlight > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      state.monitor.close();
      await state.dependency?.close();
      await externalStub?.close();
      await store.close();
      logger?.info('closed');
    })();
    return closing;
  };

  return { port, url: `http://${config.host}:${port}`, instanceId, externalStub, close };
}
