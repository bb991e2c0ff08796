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
  /** Responses parked by `hang`, for the test to answer (or `release()` to destroy). */
  held: http.ServerResponse[] = [];

  constructor(private readonly defaults: GatewayRigDefaults = {}) {}

  /** Upstream behaviour: never answer (until the test lets go of `held`). */
  readonly hang = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    this.held.push(res);
  };

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
