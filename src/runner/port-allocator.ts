import { freePort } from '../chaos/process/free-port.js';

/**
 * Hands out free ports for a whole run, never the same one twice, so scenarios running in
 * parallel cannot collide on a port the OS handed out again after it was closed.
 */
export class PortAllocator {
  private readonly given = new Set<number>();

  constructor(private readonly source: () => Promise<number> = () => freePort()) {}

  async next(): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await this.source();
      if (!this.given.has(port)) {
        this.given.add(port);
        return port;
      }
    }
    throw new Error('no fresh free port after 50 attempts');
  }

  get count(): number {
    return this.given.size;
  }
}
