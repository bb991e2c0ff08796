import net from 'node:net';
import type { Logger } from 'pino';
import type { TimerClock } from '../../common/clock.js';
import type { SeededRandom } from '../../common/rng.js';
import type { Stream } from '../toxics/index.js';
import { formatAddress, type HostPort, parseAddress } from './address.js';
import { ProxyApiError } from './errors.js';
import type { LeaseRegistry } from './lease-registry.js';
import { Link } from './link.js';
import type { DirectionStats } from './toxic-chain.js';
import { ToxicCollection, type ToxicJson, type ToxicRemovalReason } from './toxic-collection.js';

/** A proxy as the API shows it. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

/** Counters of one proxy, read by the metrics. */
export interface ProxyStats {
  bytes: Record<Stream, DirectionStats>;
  connectionsTotal: number;
  connectionsActive: number;
  toxics: number;
}

/**
 * One listener and its upstream. Each accepted connection becomes a Link; `enabled:false`
 * closes the listener and every link ("down"), `enabled:true` listens again on the same address.
 */
export class TcpProxy {
  readonly name: string;
  listen: string;
  upstream: string;
  enabled = false;
  readonly toxics: ToxicCollection;
  readonly links = new Set<Link>();
  private upstreamAddress: HostPort;
  private server: net.Server | undefined;
  private linkCount = 0;
  private connectionsTotal = 0;
  private readonly bytes: Record<Stream, DirectionStats> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };
  private readonly logger: Logger | undefined;

  constructor(
    init: { name: string; listen: string; upstream: string },
    private readonly rng: SeededRandom,
    context: {
      leases: LeaseRegistry;
      logger?: Logger;
      /** Runs the toxics' schedules. @default the system clock */
      clock?: TimerClock;
      onToxicAdded?(proxy: string, toxic: ToxicJson): void;
      onToxicRemoved?(proxy: string, toxic: ToxicJson, reason: ToxicRemovalReason): void;
    },
  ) {
    this.name = init.name;
    parseAddress(init.listen, 'listen');
    this.listen = init.listen;
    this.upstreamAddress = parseAddress(init.upstream, 'upstream');
    this.upstream = init.upstream;
    this.logger = context.logger?.child({ component: 'proxy', proxy: init.name });
    this.toxics = new ToxicCollection({
      links: () => this.links,
      leases: context.leases,
      logger: this.logger,
      ...(context.clock ? { clock: context.clock } : {}),
      onAdded: (t) => context.onToxicAdded?.(this.name, t),
      onRemoved: (t, reason) => context.onToxicRemoved?.(this.name, t, reason),
    });
  }

  /** Listens; the reported `listen` becomes the real address (port 0 → the chosen port). */
  async start(): Promise<void> {
    if (this.enabled) return;
    const { host, port } = parseAddress(this.listen, 'listen');
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: host === '' ? undefined : host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      server.close();
      if (err.code === 'EADDRINUSE') throw new ProxyApiError('listenInUse', this.listen, { cause: err });
      throw new ProxyApiError('badAddress', `cannot listen on ${this.listen}: ${err.code ?? err.message}`, {
        cause: err,
      });
    });
    server.on('error', (err) => this.logger?.warn({ err }, 'listener error'));
    const addr = server.address() as net.AddressInfo;
    // Report the address asked for when it is an IP, else what it resolved to (as Go's Addr()).
    this.listen = formatAddress(net.isIP(host) ? host : addr.address, addr.port);
    this.server = server;
    this.enabled = true;
    this.logger?.info({ listen: this.listen, upstream: this.upstream }, 'proxy started');
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.enabled = false;
    for (const link of this.links) link.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger?.info('proxy stopped');
  }

  /** Changes the addresses (call while stopped; throws 400 on a malformed one). */
  setAddresses(listen: string, upstream: string): void {
    parseAddress(listen, 'listen');
    this.upstreamAddress = parseAddress(upstream, 'upstream');
    this.listen = listen;
    this.upstream = upstream;
  }

  stats(): ProxyStats {
    return {
      bytes: this.bytes,
      connectionsTotal: this.connectionsTotal,
      connectionsActive: this.links.size,
      toxics: this.toxics.size,
    };
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxics.list(),
    };
  }

  private accept(client: net.Socket): void {
    if (!this.enabled) {
      client.destroy();
      return;
    }
    this.connectionsTotal++;
    const link = new Link(client, {
      upstream: this.upstreamAddress,
      rng: this.rng.fork(`link:${this.linkCount++}`),
      stats: this.bytes,
      toxics: this.toxics.forNewLink(),
      onClosed: (l) => this.links.delete(l),
      onError: (err, where) => this.logger?.debug({ err, where }, 'connection error'),
    });
    this.links.add(link);
  }
}
