import type { Server } from 'node:http';

/**
 * Listens on a free loopback port with keep-alive (5 s) and prints `{"event":"listening","port":N}`,
 * the line `BenchProcesses.spawnUntilListening` waits for: the start of every bench contender we write.
 */
export function listenAnnounced(server: Server): void {
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(
      JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0 }),
    );
  });
}
