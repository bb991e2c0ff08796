import { pino } from 'pino';
import { isFaultlineError } from '../common/errors.js';
import { serviceConfigFromProcess } from './config.js';
import { startService } from './service.js';

/**
 * The reference service as a process: `node dist/service/main.js [--port N …]`.
 * Config comes from environment variables and flags (see config.ts). Once listening it prints
 * one JSON line on stdout, `{"event":"listening","port":N,"instance":…,"pid":…}`; SIGTERM or
 * SIGINT drain it and exit 0.
 */
async function run(): Promise<void> {
  const config = serviceConfigFromProcess(process.env, process.argv.slice(2));
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination(2));
  const service = await startService(config, { logger });
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: service.port, instance: service.instanceId, pid: process.pid, url: service.url })}\n`,
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'draining');
    service.close().then(
      () => {
        process.stdout.write(`${JSON.stringify({ event: 'closed', instance: service.instanceId })}\n`);
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

run().catch((err: unknown) => {
  if (isFaultlineError(err)) {
    process.stderr.write(`reference service: ${err.message}\n`);
    process.exit(err.exitCode === 2 ? 2 : 1);
  }
  process.stderr.write(`reference service: internal error: ${(err as Error)?.stack ?? err}\n`);
  process.exit(70);
});
