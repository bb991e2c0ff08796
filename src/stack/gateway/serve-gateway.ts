import cluster from 'node:cluster';
import { pino } from 'pino';
import { controlAccess } from '../../common/http/index.js';
import { startGateway } from './gateway.js';
import { loadGatewayConfig } from './load-gateway-config.js';
import { serveWorkers, type WorkerListening } from './serve-workers.js';

export interface ServeGatewayOptions {
  config: string;
  port?: number;
  adminPort?: number;
  /** Where the JSON event lines go. @default process.stdout */
  out?: NodeJS.WritableStream;
  /**
   * pino level of the JSON logs on stderr (host, panic and breaker changes at info/warn,
   * every request at debug). @default "info"
   */
  logLevel?: string;
  /**
   * Worker processes (node:cluster), each a whole gateway on the same ports; 1 = this process
   * serves alone. State is per worker (docs/gateway.md "Workers"). @default 1
   */
  workers?: number;
}

/**
 * The gateway as a process: start it, announce `{"event":"listening","port":…,"admin_port":…}`
 * as one JSON line, wait for SIGTERM/SIGINT, drain, announce `{"event":"stopped"}`. Resolves to
 * the exit code. Shared by `faultline gateway` and `src/stack/gateway/main.ts`.
 */
export async function serveGateway(options: ServeGatewayOptions): Promise<number> {
  if ((options.workers ?? 1) > 1 && cluster.isPrimary) {
    // Refuse a bad config or a tokenless public admin once, here, rather than in every worker.
    const config = await loadGatewayConfig(options.config);
    controlAccess({
      what: 'the gateway admin API',
      host: config.admin.host,
      token: config.admin.token,
      configKey: 'admin.token',
    });
    return serveWorkers({ workers: options.workers as number, ...(options.out ? { out: options.out } : {}) });
  }
  // A worker of `--workers N` reports to its primary, which speaks for all of them on stdout.
  const worker = cluster.isWorker;
  const out = options.out ?? process.stdout;
  const logger = pino(
    {
      level: options.logLevel ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination(2),
  );
  const gateway = await startGateway(options.config, {
    logger,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.adminPort !== undefined ? { adminPort: options.adminPort } : {}),
  });
  const signal = await new Promise<string>((resolve) => {
    const on = (s: string) => () => resolve(s);
    process.once('SIGTERM', on('SIGTERM'));
    process.once('SIGINT', on('SIGINT'));
    if (worker) {
      const msg: WorkerListening = {
        event: 'listening',
        port: gateway.port,
        adminPort: gateway.adminPort,
        url: gateway.url,
        adminUrl: gateway.adminUrl,
      };
      process.send?.(msg);
      return;
    }
    out.write(
      `${JSON.stringify({
        event: 'listening',
        port: gateway.port,
        admin_port: gateway.adminPort,
        url: gateway.url,
        admin_url: gateway.adminUrl,
        pid: process.pid,
      })}\n`,
    );
  });
  if (!worker) {
    out.write(
      `${JSON.stringify({ event: 'draining', signal, active_requests: gateway.state().activeRequests })}\n`,
    );
  }
  await gateway.close({ drain: true });
  if (!worker) out.write(`${JSON.stringify({ event: 'stopped' })}\n`);
  // A worker's IPC channel would keep it alive: let go of it so the process can exit.
  else cluster.worker?.disconnect();
  return 0;
}
