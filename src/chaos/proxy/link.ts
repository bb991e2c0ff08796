import net, { type Socket } from 'node:net';
import type { SeededRandom } from '../../common/rng.js';
import type { Stream } from '../toxics/index.js';
import type { HostPort } from './address.js';
import type { StagePlan } from './stage.js';
import { type DirectionStats, ToxicChain } from './toxic-chain.js';

export interface LinkOptions {
  upstream: HostPort;
  rng: SeededRandom;
  stats: Record<Stream, DirectionStats>;
  /** The proxy's toxics at the moment the connection opens, per stream, in creation order. */
  toxics: Iterable<{ key: object; name: string; stream: Stream; plan: StagePlan }>;
  onClosed(link: Link): void;
  onError(err: unknown, where: string): void;
}

/**
 * One proxied connection: the accepted client socket, a socket to the upstream, and a toxic
 * chain per direction (`upstream` = client→server, `downstream` = server→client). Half-close is
 * kept: a FIN travels through its chain like data. The link is gone once both sockets closed.
 */
export class Link {
  readonly client: Socket;
  readonly server: Socket;
  private readonly chains: Record<Stream, ToxicChain>;
  private closedSockets = 0;
  private done = false;

  constructor(
    client: Socket,
    private readonly options: LinkOptions,
  ) {
    this.client = client;
    this.server = net.connect({ ...options.upstream, allowHalfOpen: true, noDelay: true });
    const hooks = (stream: Stream) => ({
      closeConnection: () => this.close(),
      resetConnection: () => this.reset(),
      // Answering a request: write back to the socket the request came from.
      respond: (data: Buffer, end: boolean) => {
        const socket = stream === 'upstream' ? this.client : this.server;
        if (socket.destroyed || !socket.writable) return;
        if (end) socket.end(data);
        else socket.write(data);
      },
      onToxicError: (err: unknown) => options.onError(err, `toxic on ${stream}`),
    });
    this.chains = {
      upstream: new ToxicChain(this.client, this.server, options.stats.upstream, hooks('upstream')),
      downstream: new ToxicChain(this.server, this.client, options.stats.downstream, hooks('downstream')),
    };
    for (const t of options.toxics) this.addToxic(t.key, t.name, t.stream, t.plan);
    // Each direction's toxics see the replies the other direction writes to their source.
    this.chains.downstream.sink.onWrite = (data) => this.chains.upstream.replies(data);
    this.chains.upstream.sink.onWrite = (data) => this.chains.downstream.replies(data);
    this.wire(this.client, this.chains.upstream, this.chains.downstream);
    this.wire(this.server, this.chains.downstream, this.chains.upstream);
  }

  addToxic(key: object, name: string, stream: Stream, plan: StagePlan): void {
    this.chains[stream].add(key, this.options.rng.fork(`${stream}:${name}`), plan);
  }

  updateToxic(key: object, stream: Stream, plan: StagePlan): void {
    this.chains[stream].update(key, plan);
  }

  removeToxic(key: object, stream: Stream): void {
    this.chains[stream].remove(key);
  }

  /** Closes both sockets after what was already written to them is flushed. */
  close(): void {
    if (this.done) return;
    this.stopChains();
    this.client.destroySoon();
    this.server.destroySoon();
  }

  /** Resets both sockets (TCP RST): the peers see ECONNRESET. */
  reset(): void {
    if (this.done) return;
    this.stopChains();
    for (const s of [this.client, this.server]) {
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
    }
  }

  /** Tears the connection down at once (proxy disabled, deleted or server closing). */
  destroy(): void {
    this.stopChains();
    this.client.destroy();
    this.server.destroy();
  }

  private stopChains(): void {
    this.chains.upstream.stop();
    this.chains.downstream.stop();
  }

  /** `socket` feeds `inbound` (its data goes out through that chain) and is the sink of `outbound`. */
  private wire(socket: Socket, inbound: ToxicChain, outbound: ToxicChain): void {
    socket.on('data', (data: Buffer) => inbound.push(data));
    socket.on('end', () => inbound.end());
    socket.on('error', (err) => {
      this.options.onError(err, socket === this.client ? 'client' : 'upstream');
      this.destroy();
    });
    socket.on('close', () => {
      // Nothing more will come from this socket, and nothing can be written to it.
      inbound.end();
      outbound.stop();
      const other = socket === this.client ? this.server : this.client;
      const sink = inbound.sink;
      // The other socket closes once its chain has passed on our FIN and its writes are flushed.
      if (sink.ended || sink.closed) other.destroySoon();
      else other.once('finish', () => other.destroy());
      this.closedSockets++;
      if (this.closedSockets === 2) this.finish();
    });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.stopChains();
    this.options.onClosed(this);
  }
}
