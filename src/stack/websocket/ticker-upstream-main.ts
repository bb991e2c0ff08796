import { startTickerUpstream } from './ticker-upstream.js';

/**
 * The reference WebSocket upstream as a process: `node dist/stack/websocket/ticker-upstream-main.js`.
 * PORT (0 = free) and HOST from the environment; announces `{"event":"listening","port":N}`.
 */
const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('ticker upstream: PORT must be an integer in [0, 65535]\n');
  process.exit(2);
}
const upstream = await startTickerUpstream({ port, host: process.env.HOST ?? '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({ event: 'listening', port: upstream.port, pid: process.pid, url: upstream.url })}\n`,
);
const stop = (): void => {
  upstream.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
