import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { z } from 'zod';
import { redactUrl } from '../../common/text.js';
import { FaultConfigError } from './errors.js';
import type { Fault, FaultContext } from './fault.js';

export const connectionsFaultSchema = z.object({
  kind: z.literal('connections'),
  /** @default 'connections' */
  name: z.string().min(1).default('connections'),
  /**
   * `tcp`: plain sockets to host:port (they send nothing). `postgres`: authenticated
   * node-postgres clients to `url`, each holding a backend (counts against max_connections).
   * @default 'tcp'
   */
  protocol: z.enum(['tcp', 'postgres']).default('tcp'),
  /** @default '127.0.0.1' */
  host: z.string().default('127.0.0.1'),
  /** Target port (tcp). */
  port: z.number().int().min(1).max(65535).optional(),
  /** Connection string (postgres). @example 'postgres://postgres@127.0.0.1:5432/postgres' */
  url: z.string().optional(),
  /** Connections to open and hold. @default 100 */
  count: z.number().int().min(1).max(50_000).default(100),
  /** Connections being opened at once. @default 50 */
  concurrency: z.number().int().min(1).max(1000).default(50),
  /** Per connection attempt. @default 3000 */
  connect_timeout_ms: z.number().int().positive().default(3000),
});
export type ConnectionsFaultSpec = z.output<typeof connectionsFaultSchema>;

interface Held {
  close(): Promise<void>;
}

/**
 * Connection exhaustion: open and hold N connections to a target. Failures to connect are
 * counted, not thrown (a full server refusing us is the effect being sought); revert
 * closes everything held.
 */
export class ConnectionsFault implements Fault {
  readonly kind = 'connections';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly held = new Set<Held>();
  private opening: AbortController | undefined;
  private failedCount = 0;
  private lastError: string | undefined;

  constructor(private readonly spec: ConnectionsFaultSpec) {
    this.name = spec.name;
    if (spec.protocol === 'tcp' && spec.port === undefined) {
      throw new FaultConfigError(`fault "${spec.name}": tcp connections need "port"`);
    }
    if (spec.protocol === 'postgres' && spec.url === undefined) {
      throw new FaultConfigError(`fault "${spec.name}": postgres connections need "url"`);
    }
    this.target = spec.protocol === 'tcp' ? `${spec.host}:${spec.port}` : redactUrl(spec.url ?? '');
    this.params = { protocol: spec.protocol, count: spec.count, target: this.target };
  }

  /** Connections currently held. */
  get open(): number {
    return this.held.size;
  }

  /** Attempts that failed during the last inject. */
  get failed(): number {
    return this.failedCount;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  async inject(ctx: FaultContext): Promise<void> {
    const opening = new AbortController();
    this.opening = opening;
    const signal = AbortSignal.any([opening.signal, ctx.signal]);
    this.failedCount = 0;
    let remaining = this.spec.count;
    const lane = async () => {
      while (remaining > 0 && !signal.aborted) {
        remaining--;
        try {
          const conn = await (this.spec.protocol === 'tcp' ? this.openTcp() : this.openPostgres());
          if (signal.aborted) await conn.close();
          else this.held.add(conn);
        } catch (err) {
          this.failedCount++;
          this.lastError = (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, this.spec.count) }, lane));
  }

  async revert(): Promise<void> {
    this.opening?.abort();
    const held = [...this.held];
    this.held.clear();
    await Promise.all(held.map((c) => c.close()));
  }

  private openTcp(): Promise<Held> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect({ host: this.spec.host, port: this.spec.port ?? 0 });
      socket.setTimeout(this.spec.connect_timeout_ms, () => socket.destroy(new Error('connect timeout')));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.off('error', reject);
        socket.on('error', () => {}); // a reset while held just ends it
        socket.resume(); // drain whatever the server says
        const held: Held = {
          close: () =>
            new Promise<void>((done) => {
              if (socket.destroyed) return done();
              socket.once('close', () => done());
              socket.destroy();
            }),
        };
        socket.once('close', () => this.held.delete(held));
        resolve(held);
      });
    });
  }

  private async openPostgres(): Promise<Held> {
    const client = new pg.Client({
      connectionString: this.spec.url,
      connectionTimeoutMillis: this.spec.connect_timeout_ms,
    });
    client.on('error', () => {}); // the server ending a held connection is not our error
    await client.connect();
    const held: Held = { close: () => client.end().catch(() => {}) };
    client.once('end', () => this.held.delete(held));
    return held;
  }
}
