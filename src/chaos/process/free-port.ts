import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago, chosen by the OS (listen on port 0, read it, close).
 * Another process may take it before you bind it; prefer port 0 wherever the child can
 * report its own port, and use this for children that need a port on their command line.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
