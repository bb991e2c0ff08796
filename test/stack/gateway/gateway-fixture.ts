import type http from 'node:http';
import { afterEach } from 'vitest';
import { type Gateway, startGateway } from '../../../src/stack/gateway/gateway.js';
import type { GatewayConfigInput } from '../../../src/stack/gateway/gateway-config.js';
import { startUpstreams, type TestUpstream } from './upstreams.js';

export type ClusterInput = NonNullable<GatewayConfigInput['clusters']>[string];

export interface GatewayRigDefaults {
  /** Seed that `setup` gives the gateway (each test file keeps its own). */
  seed?: number;
  /** Cluster fields `setup` applies before the test's own cluster fields. */
  cluster?: Partial<ClusterInput>;
}

/**
 * The gateway tests' shared fixture: the gateway and upstreams a test started, and the
 * upstream responses it is holding open. `release()` tears all of it down.
 */
export class GatewayRig {
  gateway: Gateway | undefined;
  upstreams: TestUpstream[] = [];
  /** Responses parked by `hang` or `hold`, for the test to answer (or `release()` to destroy). */
  held: http.ServerResponse[] = [];
  /** How many responses have been parked in all (answering one does not lower it). */
  private parked = 0;
  private waiters: { n: number; resolve: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly defaults: GatewayRigDefaults = {}) {}

  /** Upstream behaviour: never answer (until the test lets go of `held`). */
  readonly hang = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    this.hold(res);
  };

  /** Parks `res` in `held` (for upstream behaviours of the test's own); wakes `holding` waiters. */
  hold(res: http.ServerResponse): void {
    this.held.push(res);
    this.parked += 1;
    const ready = this.waiters.filter((w) => w.n <= this.parked);
    this.waiters = this.waiters.filter((w) => w.n > this.parked);
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once `n` responses in all have been parked since `setup` (at once if they have),
   * as the upstreams' request handlers park them. Rejects after `timeoutMs` (ms) with how many
   * arrived, so a request that never reaches an upstream fails the test instead of hanging it.
   */
  holding(n: number, timeoutMs = 5000): Promise<void> {
    if (this.parked >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        n,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`${this.parked} of ${n} upstream responses held after ${timeoutMs} ms`));
        }, timeoutMs),
        resolve: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Starts upstreams `names` and a gateway with one cluster `api` over all of them. */
  async setup(
    names: string[],
    cluster: Partial<ClusterInput> = {},
    extra: Partial<GatewayConfigInput> = {},
  ): Promise<Gateway> {
    this.upstreams = await startUpstreams(names);
    this.gateway = await startGateway({
      ...(this.defaults.seed === undefined ? {} : { seed: this.defaults.seed }),
      ...extra,
      clusters: {
        api: {
          hosts: this.upstreams.map((u) => ({ url: u.url })),
          ...this.defaults.cluster,
          ...cluster,
        },
      },
    });
    return this.gateway;
  }

  /** Destroys held responses, closes the gateway without drain and stops the upstreams. */
  async release(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held = [];
    this.parked = 0;
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters = [];
    await this.gateway?.close({ drain: false });
    this.gateway = undefined;
    await Promise.all(this.upstreams.map((u) => u.stop()));
    this.upstreams = [];
  }
}

/** One rig per test file, released after every test. */
export function useGatewayRig(defaults: GatewayRigDefaults = {}): GatewayRig {
  const rig = new GatewayRig(defaults);
  afterEach(() => rig.release());
  return rig;
}
