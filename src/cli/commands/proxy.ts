import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  isProxyApiError,
  type ProxyInput,
  type ProxyServer,
  startProxyServer,
} from '../../chaos/proxy/index.js';
import { UsageError } from '../../common/errors.js';
import type { CommandRegistrar } from './command-registrar.js';

interface ProxyOptions {
  host: string;
  port: string;
  config?: string;
  seed?: string;
  logLevel: string;
}

function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Reads a Toxiproxy-style config file: a JSON array of proxies (each may carry `toxics`). */
async function readConfig(path: string): Promise<ProxyInput[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read config ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`bad config ${path}: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(json)) throw new UsageError(`bad config ${path}: expected a JSON array of proxies`);
  return json as ProxyInput[];
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function runProxy(options: ProxyOptions): Promise<number> {
  const port = integer(options.port, '--port', 0, 65535);
  const seed = options.seed === undefined ? undefined : integer(options.seed, '--seed', 0, 0xffffffff);
  const config = options.config === undefined ? [] : await readConfig(options.config);
  const logger = pino({ name: 'faultline', level: options.logLevel }, pino.destination(2));
  let server: ProxyServer;
  try {
    server = await startProxyServer({ host: options.host, port, seed, logger });
  } catch (err) {
    if (!isProxyApiError(err)) throw err;
    const why = err.kind === 'listenInUse' ? 'address already in use' : err.message;
    throw new UsageError(`cannot listen on ${options.host}:${port}: ${why}`);
  }
  if (config.length > 0) {
    try {
      await server.populate(config);
    } catch (err) {
      await server.close();
      if (!isProxyApiError(err)) throw err;
      throw new UsageError(`bad config ${options.config}: ${err.message}`);
    }
  }
  process.stderr.write(`faultline proxy: API on ${server.url} (seed ${server.seed})\n`);
  const signal = await untilSignal();
  logger.info({ signal }, 'shutting down');
  await server.close();
  logger.flush();
  return 0;
}

/** `faultline proxy`: the Toxiproxy-compatible fault proxy server. */
export const proxyCommand: CommandRegistrar = (program: Command, setExitCode) => {
  program
    .command('proxy')
    .description('Run the fault proxy and its Toxiproxy-compatible HTTP API')
    .option(
      '--host <host>',
      'address of the HTTP API; anything but loopback needs FAULTLINE_TOKEN (every request then carries it)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port of the HTTP API (0 = a free port)', '8474')
    .option('--config <file>', 'JSON array of proxies to create at start (as POST /populate)')
    .option('--seed <n>', 'seed of every random draw (toxicity, jitter, slicing); default: random, printed')
    .option(
      '--log-level <level>',
      'pino log level on stderr (fatal, error, warn, info, debug, silent)',
      'warn',
    )
    .action(async (options: ProxyOptions) => {
      setExitCode(await runProxy(options));
    });
};
