import { parseArgs } from 'node:util';
import { isFaultlineError, UsageError } from '../../common/errors.js';
import { serveGateway } from './serve-gateway.js';
import { parseWorkers } from './serve-workers.js';

/**
 * The gateway as a bare process, without the rest of the CLI (starts faster):
 * `node dist/stack/gateway/main.js --config gateway.yaml [--port N] [--admin-port N] [--workers N|auto]`.
 * Same output and exit codes as `faultline gateway`.
 */
function parsePort(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag}: expected a port number, got "${value}"`);
  return n;
}

async function run(): Promise<number> {
  let values: {
    config?: string;
    port?: string;
    'admin-port'?: string;
    'log-level'?: string;
    workers?: string;
  };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        'admin-port': { type: 'string' },
        'log-level': { type: 'string' },
        workers: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.config) throw new UsageError('--config <path> is required');
  const port = parsePort('--port', values.port);
  const adminPort = parsePort('--admin-port', values['admin-port']);
  return serveGateway({
    config: values.config,
    ...(port !== undefined ? { port } : {}),
    ...(adminPort !== undefined ? { adminPort } : {}),
    ...(values['log-level'] !== undefined ? { logLevel: values['log-level'] } : {}),
    ...(values.workers !== undefined ? { workers: parseWorkers(values.workers) } : {}),
  });
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isFaultlineError(err)) {
      process.stderr.write(`faultline gateway: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`faultline gateway: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(70);
  },
);
