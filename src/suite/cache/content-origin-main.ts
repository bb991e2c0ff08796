import { createContentOrigin, listenContentOrigin } from './content-origin.js';

/**
 * The cache scenarios' origin as a process: PORT (0 = free), CACHE_CONTROL, CONTENT_SIZE.
 * Prints one `{"event":"listening","port":N}` line when ready; SIGTERM closes it.
 */
const server = createContentOrigin({
  ...(process.env.CACHE_CONTROL ? { cacheControl: process.env.CACHE_CONTROL } : {}),
  ...(process.env.CONTENT_SIZE ? { size: Number(process.env.CONTENT_SIZE) } : {}),
});
listenContentOrigin(server, Number(process.env.PORT ?? 0)).then(
  (port) => process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`),
  (err: unknown) => {
    process.stderr.write(`content origin: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
