import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { TimerClock } from '../../common/clock.js';
import { type Event, EventEmitter } from '../../common/event.js';
import { freshSeed, SeededRandom } from '../../common/rng.js';
import { parseAddress, sameAddress } from './address.js';
import { ProxyApiError } from './errors.js';
import { type LeaseJson, LeaseRegistry } from './lease-registry.js';
import {
  leaseInputSchema,
  leaseRenewSchema,
  type ProxyInput,
  type ProxyUpdate,
  parseBody,
  proxyInputSchema,
  proxyUpdateSchema,
  type ToxicInput,
  type ToxicUpdate,
} from './schemas.js';
import { type ProxyJson, type ProxyStats, TcpProxy } from './tcp-proxy.js';
import { parseToxic, type ToxicJson, type ToxicRemovalReason, type ToxicSpec } from './toxic-collection.js';

/** Trace channels (node:diagnostics_channel), published only when someone subscribes. */
const toxicAddedChannel = diagnostics.channel('faultline:proxy:toxic-added');
const toxicRemovedChannel = diagnostics.channel('faultline:proxy:toxic-removed');

export interface ToxicEvent {
  proxy: string;
  toxic: ToxicJson;
}
export interface ToxicRemovedEvent extends ToxicEvent {
  reason: ToxicRemovalReason;
}

/** The default listen address: loopback, a free port. */
export const DEFAULT_LISTEN = '127.0.0.1:0';

export interface ProxyCollectionOptions {
  /** Seed of every random draw (toxicity, jitter, slicing); printed so a run can be replayed. @default random */
  seed?: number;
  /** pino logger; the collection logs nothing without one. */
  logger?: Logger;
  /**
   * Runs the toxics' schedules (`start_after_ms`, `duration_ms`); tests pass a ManualClock.
   * Leases keep real timers. @default the system clock (timers unref'd)
   */
  clock?: TimerClock;
}

interface ValidProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicSpec[];
}

/**
 * Every proxy of one server and every operation of the API, in-process. The HTTP API is a thin
 * adapter over this class, and tests and later features (a proxy on every link) use it directly:
 * it listens on nothing but the proxies' own ports.
 *
 * Inputs are validated here (`unknown` in, typed JSON out), so in-process callers get the same
 * checks and the same errors (`ProxyApiError`, with Toxiproxy's messages and HTTP status) as
 * HTTP clients.
 */
export class ProxyCollection {
  readonly seed: number;
  private readonly rng: SeededRandom;
  private readonly proxies = new Map<string, TcpProxy>();
  private readonly leases: LeaseRegistry;
  protected readonly logger: Logger | undefined;
  private readonly clock: TimerClock | undefined;
  private readonly toxicAdded = new EventEmitter<ToxicEvent>();
  private readonly toxicRemoved = new EventEmitter<ToxicRemovedEvent>();
  /** A toxic was installed (API, populate, create-with-toxics). */
  readonly onToxicAdded: Event<ToxicEvent> = this.toxicAdded.addListener;
  /** A toxic went away, and why (`deleted`, `reset`, `expired`, `lease`). */
  readonly onToxicRemoved: Event<ToxicRemovedEvent> = this.toxicRemoved.addListener;

  constructor(options: ProxyCollectionOptions = {}) {
    this.seed = (options.seed ?? freshSeed()) >>> 0;
    this.rng = new SeededRandom(this.seed);
    this.logger = options.logger;
    this.clock = options.clock;
    this.leases = new LeaseRegistry((id, toxics) => this.logger?.warn({ lease: id, toxics }, 'lease ended'));
  }

  listProxies(): Record<string, ProxyJson> {
    const out: Record<string, ProxyJson> = {};
    for (const [name, p] of this.proxies) out[name] = p.toJSON();
    return out;
  }

  getProxy(name: string): ProxyJson {
    return this.require(name).toJSON();
  }

  /** Creates a proxy and, atomically, its `toxics` (201 in the API). */
  async createProxy(input: ProxyInput | unknown): Promise<ProxyJson> {
    const spec = this.validateProxy(input, '');
    if (this.proxies.has(spec.name)) throw new ProxyApiError('proxyAlreadyExists');
    const proxy = this.newProxy(spec);
    this.proxies.set(spec.name, proxy);
    try {
      if (spec.enabled) await proxy.start();
    } catch (err) {
      this.proxies.delete(spec.name);
      throw err;
    }
    return proxy.toJSON();
  }

  /**
   * Partial update: a listen or upstream that means another address restarts the proxy;
   * `enabled` brings it down or up. Addresses compare by meaning (`sameAddress`): `localhost:L`
   * for a proxy bound to `127.0.0.1:L` changes nothing. Port 0 asks for a new free port, as in
   * Toxiproxy (`proxy.go` `Update`).
   */
  async updateProxy(name: string, input: ProxyUpdate | unknown): Promise<ProxyJson> {
    const proxy = this.require(name);
    const body = parseBody(proxyUpdateSchema, input);
    const enabled = body.enabled ?? proxy.enabled;
    // Validate before anything stops.
    if (body.listen) parseAddress(body.listen, 'listen');
    if (body.upstream) parseAddress(body.upstream, 'upstream');
    const listenMoves = !!body.listen && !(await sameAddress(proxy.listen, body.listen));
    const upstreamMoves = !!body.upstream && !(await sameAddress(proxy.upstream, body.upstream));
    if (listenMoves || upstreamMoves) {
      const before = { listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled };
      await proxy.stop();
      proxy.setAddresses(
        listenMoves ? body.listen! : proxy.listen,
        upstreamMoves ? body.upstream! : proxy.upstream,
      );
      if (enabled) {
        try {
          await proxy.start();
        } catch (err) {
          // Put the proxy back as it was, so a bad request does not take it down.
          proxy.setAddresses(before.listen, before.upstream);
          if (before.enabled) await proxy.start().catch(() => {});
          throw err;
        }
      }
    } else if (enabled && !proxy.enabled) {
      await proxy.start();
    } else if (!enabled && proxy.enabled) {
      await proxy.stop();
    }
    return proxy.toJSON();
  }

  async deleteProxy(name: string): Promise<void> {
    const proxy = this.require(name);
    this.proxies.delete(name);
    proxy.toxics.reset();
    await proxy.stop();
  }

  /**
   * Creates or replaces many proxies. An existing proxy is kept as it is when its listen and
   * upstream mean the same addresses (`sameAddress`; a listen port 0 matches the port it has),
   * replaced otherwise. Everything is validated first; if a listener
   * then fails, the proxies this call created are removed and the replaced ones restored.
   */
  async populate(input: unknown): Promise<ProxyJson[]> {
    if (!Array.isArray(input)) throw new ProxyApiError('badRequestBody', 'expected a JSON array of proxies');
    const specs = input.map((item, i) => this.validateProxy(item, ` at proxy ${i + 1}`));
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.name)) throw new ProxyApiError('badRequestBody', `duplicate proxy name "${s.name}"`);
      seen.add(s.name);
    }
    const created: TcpProxy[] = [];
    const replaced: TcpProxy[] = [];
    const result: TcpProxy[] = [];
    try {
      for (const spec of specs) {
        const existing = this.proxies.get(spec.name);
        if (existing && (await unchanged(existing, spec))) {
          result.push(existing);
          continue;
        }
        if (existing) {
          await existing.stop();
          this.proxies.delete(spec.name);
          replaced.push(existing);
        }
        const proxy = this.newProxy(spec);
        this.proxies.set(spec.name, proxy);
        created.push(proxy);
        if (spec.enabled) await proxy.start();
        result.push(proxy);
      }
    } catch (err) {
      for (const p of created) {
        this.proxies.delete(p.name);
        p.toxics.reset();
        await p.stop();
      }
      for (const p of replaced) {
        this.proxies.set(p.name, p);
        await p.start().catch(() => {});
      }
      throw err;
    }
    for (const p of replaced) p.toxics.reset();
    return result.map((p) => p.toJSON());
  }

  listToxics(proxy: string): ToxicJson[] {
    return this.require(proxy).toxics.list();
  }

  getToxic(proxy: string, toxic: string): ToxicJson {
    return this.require(proxy).toxics.get(toxic);
  }

  /** Adds a toxic; it applies at once to the proxy's open connections. `lease` = X-Faultline-Lease. */
  addToxic(proxy: string, toxic: ToxicInput | unknown, options: { lease?: string } = {}): ToxicJson {
    return this.require(proxy).toxics.add(toxic, options.lease);
  }

  updateToxic(proxy: string, toxic: string, update: ToxicUpdate | unknown): ToxicJson {
    return this.require(proxy).toxics.update(toxic, update);
  }

  removeToxic(proxy: string, toxic: string): void {
    this.require(proxy).toxics.remove(toxic);
  }

  /** Re-enables every proxy and removes every toxic (POST /reset). */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      proxy.toxics.reset();
      if (!proxy.enabled) await proxy.start();
    }
  }

  createLease(input: { ttl_ms: number } | unknown): LeaseJson {
    return this.leases.create(parseBody(leaseInputSchema, input).ttl_ms);
  }

  renewLease(id: string, input: { ttl_ms?: number } | unknown = {}): LeaseJson {
    return this.leases.renew(id, parseBody(leaseRenewSchema, input ?? {}).ttl_ms);
  }

  getLease(id: string): LeaseJson {
    return this.leases.get(id);
  }

  /** Ends a lease now: the toxics created under it are removed. */
  releaseLease(id: string): void {
    this.leases.release(id);
  }

  /** Counters per proxy (bytes, connections, toxics), for metrics and tests. */
  stats(): Map<string, ProxyStats> {
    const out = new Map<string, ProxyStats>();
    for (const [name, p] of this.proxies) out.set(name, p.stats());
    return out;
  }

  /** Open connections, of one proxy or of all. */
  connectionCount(proxy?: string): number {
    if (proxy !== undefined) return this.require(proxy).links.size;
    let n = 0;
    for (const p of this.proxies.values()) n += p.links.size;
    return n;
  }

  /** Closes every listener and connection; the collection is empty afterwards. */
  async close(): Promise<void> {
    this.leases.clear();
    const all = [...this.proxies.values()];
    this.proxies.clear();
    await Promise.all(
      all.map((p) => {
        p.toxics.reset();
        return p.stop();
      }),
    );
  }

  private require(name: string): TcpProxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw new ProxyApiError('proxyNotFound');
    return proxy;
  }

  private newProxy(spec: ValidProxy): TcpProxy {
    const proxy = new TcpProxy(spec, this.rng.fork(`proxy:${spec.name}`), {
      leases: this.leases,
      logger: this.logger,
      ...(this.clock ? { clock: this.clock } : {}),
      onToxicAdded: (name, toxic) => {
        const event = { proxy: name, toxic };
        if (this.toxicAdded.hasListeners) this.toxicAdded.emit(event);
        if (toxicAddedChannel.hasSubscribers) toxicAddedChannel.publish(event);
      },
      onToxicRemoved: (name, toxic, reason) => {
        const event = { proxy: name, toxic, reason };
        if (this.toxicRemoved.hasListeners) this.toxicRemoved.emit(event);
        if (toxicRemovedChannel.hasSubscribers) toxicRemovedChannel.publish(event);
      },
    });
    for (const t of spec.toxics) proxy.toxics.install(t);
    return proxy;
  }

  /** Phase one of create/populate: everything that can be checked without listening. */
  private validateProxy(input: unknown, where: string): ValidProxy {
    const body = parseBody(proxyInputSchema, input, where === '' ? '' : `${where.trim()}: `);
    if (!body.name) throw new ProxyApiError('missingField', `name${where}`);
    if (!body.upstream) throw new ProxyApiError('missingField', `upstream${where}`);
    const listen = body.listen || DEFAULT_LISTEN;
    parseAddress(listen, 'listen');
    parseAddress(body.upstream, 'upstream');
    const toxics: ToxicSpec[] = [];
    for (const [i, t] of (body.toxics ?? []).entries()) {
      try {
        const spec = parseToxic(t, (n) => toxics.some((x) => x.name === n));
        if (spec.lease !== undefined) this.leases.require(spec.lease);
        toxics.push(spec);
      } catch (err) {
        if (!(err instanceof ProxyApiError)) throw err;
        const at = `toxics[${i}]${where}`;
        throw new ProxyApiError(err.kind, err.detail === undefined ? at : `${at}: ${err.detail}`);
      }
    }
    return { name: body.name, listen, upstream: body.upstream, enabled: body.enabled ?? true, toxics };
  }
}

/**
 * Many proxies in one process with no HTTP API at all: the cheap way to put a proxy on every
 * link between components. Same operations as the server (`createProxy`, `addToxic`, …).
 */
export function createProxyCollection(options: ProxyCollectionOptions = {}): ProxyCollection {
  return new ProxyCollection(options);
}

/** Whether a populate entry leaves an existing proxy's addresses as they are. */
async function unchanged(existing: TcpProxy, spec: ValidProxy): Promise<boolean> {
  return (
    (await sameAddress(existing.upstream, spec.upstream)) &&
    (await sameAddress(existing.listen, spec.listen, { anyPort: true }))
  );
}
