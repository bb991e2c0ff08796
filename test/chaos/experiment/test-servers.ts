import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Fault } from '../../../src/chaos/faults/fault.js';

/**
 * A small real HTTP service for tests: `/health` answers `status` (200 unless changed) with a
 * JSON body, anything else 404. Its port can be closed and reopened (same port) to break it.
 */
export class TestService {
  status = 200;
  requests = 0;
  private server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  private constructor() {
    this.server = this.makeServer();
  }

  static async start(): Promise<TestService> {
    const s = new TestService();
    await s.listen(0);
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Stops listening and drops every connection: the port refuses connections. */
  async closePort(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async reopenPort(): Promise<void> {
    if (this.server.listening) return;
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.closePort();
  }

  private makeServer(): Server {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      if (req.url === '/health') {
        res.writeHead(this.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ ok: this.status < 500, status: this.status, checks: [{ name: 'db', up: true }] }),
        );
        return;
      }
      res.writeHead(404).end('not found');
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.keepAliveTimeout = 100;
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

/** A real fault: closes the service's port; revert reopens it. Counts its calls. */
export class ClosePortFault implements Fault {
  readonly kind = 'test.close_port';
  readonly params: Record<string, unknown>;
  readonly target: string;
  injects = 0;
  reverts = 0;
  private injected = false;

  constructor(
    private readonly service: TestService,
    readonly name = 'close-port',
  ) {
    this.params = { port: service.port };
    this.target = service.url;
  }

  async inject(): Promise<void> {
    this.injects++;
    this.injected = true;
    await this.service.closePort();
  }

  async revert(): Promise<void> {
    if (!this.injected) return;
    this.injected = false;
    this.reverts++;
    await this.service.reopenPort();
  }
}

/** A fault whose injection throws. */
export class ThrowingFault implements Fault {
  readonly kind = 'test.throwing';
  readonly params = {};
  reverts = 0;

  constructor(readonly name = 'throwing') {}

  async inject(): Promise<void> {
    throw new Error('injection exploded');
  }

  async revert(): Promise<void> {
    this.reverts++;
  }
}

/** The safety env every test run uses (host guards are left on: they must not trip in tests). */
export const TEST_ENV = { ENVIRONMENT: 'test' } as const;
