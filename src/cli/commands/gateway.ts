import { UsageError } from '../../common/errors.js';
import { parseWorkers } from '../../stack/gateway/serve-workers.js';
import type { CommandRegistrar } from './command-registrar.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port: expected a port number, got "${value}"`);
  return n;
}

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLevel(value: string): string {
  if (!levels.includes(value))
    throw new UsageError(`--log-level: expected one of ${levels.join(', ')}, got "${value}"`);
  return value;
}

interface GatewayFlags {
  config: string;
  logLevel?: string;
  port?: number;
  adminPort?: number;
  workers?: number;
}

/**
 * `faultline gateway --config gateway.yaml [--port N] [--admin-port N] [--workers N|auto]`: runs the gateway until
 * SIGTERM/SIGINT, then drains and exits 0. When both ports listen it prints one JSON line,
 * `{"event":"listening","port":…,"admin_port":…}`, which scripts and scenarios wait for.
 * A bad config exits 2 with the key path in the message.
 */
export const gatewayCommand: CommandRegistrar = (program, setExitCode) => {
  program
    .command('gateway')
    .description('Run the HTTP gateway (reverse proxy and load balancer) from a config file')
    .requiredOption('-c, --config <path>', 'gateway config, YAML or JSON')
    .option('-p, --port <n>', 'listen port (overrides listen.port; 0 = any free port)', parsePort)
    .option('--admin-port <n>', 'admin API port (overrides admin.port)', parsePort)
    .option(
      '--workers <n>',
      'worker processes sharing the ports (node:cluster); "auto" = one per core; state is per worker',
      parseWorkers,
    )
    .option(
      '--log-level <level>',
      'JSON logs on stderr: info (state changes), debug (every request), silent',
      parseLevel,
    )
    .addHelpText(
      'after',
      `
Prints {"event":"listening","port":N,"admin_port":M,...} on stdout when ready.
Admin API on the admin port: GET /admin/upstreams, /admin/config, /metrics, /healthz.
It binds admin.host (127.0.0.1); elsewhere it needs admin.token or FAULTLINE_TOKEN.
SIGTERM or SIGINT: stop accepting, finish in-flight requests (drain.timeoutMs), exit 0.
Exit codes: 0 drained and stopped, 2 bad flags or config, 1 could not listen.
Docs: docs/gateway.md`,
    )
    .action(async (flags: GatewayFlags) => {
      // Loaded on use, so other subcommands don't pay for the gateway's imports (and vice versa).
      const { serveGateway } = await import('../../stack/gateway/serve-gateway.js');
      setExitCode(await serveGateway(flags));
    });
};
