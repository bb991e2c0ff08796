import { startExternalStub } from './external-stub.js';

/**
 * The external stub as a process of its own: `node dist/service/external-stub-main.js`.
 * PORT (0 = free) and HOST from the environment; announces `{"event":"listening","port":N}`.
 */
const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('external stub: PORT must be an integer in [0, 65535]\n');
  process.exit(2);
}
const stub = await startExternalStub({ port, host: process.env.HOST ?? '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({ event: 'listening', port: stub.port, pid: process.pid, url: stub.url })}\n`,
);
const stop = () => {
  stub.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
