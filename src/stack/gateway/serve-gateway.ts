import { pino } from 'pino';
import { startGateway } from './gateway.js';

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
}

/**
 * The gateway as a process: start it, announce `{"event":"listening","port":…,"admin_port":…}`
 * as one JSON line, wait for SIGTERM/SIGINT, drain, announce `{"event":"stopped"}`. Resolves to
 * the exit code. Shared by `faultline gateway` and `src/stack/gateway/main.ts`.
 */
export async function serveGateway(options: ServeGatewayOptions): Promise<number> {
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
  out.write(
    `${JSON.stringify({ event: 'draining', signal, active_requests: gateway.state().activeRequests })}\n`,
  );
  await gateway.close({ drain: true });
  out.write(`${JSON.stringify({ event: 'stopped' })}\n`);
  return 0;
}
