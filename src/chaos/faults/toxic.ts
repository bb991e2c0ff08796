import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { ToxicPlacement } from './toxic-placement.js';

export const toxicFaultSchema = z.object({
  kind: z.literal('toxic'),
  /** @default 'toxic' */
  name: z.string().min(1).default('toxic'),
  /** Name of the proxy the toxic goes on. @example 'postgres' */
  proxy: z.string().min(1),
  /**
   * A Toxiproxy-compatible API URL; without it, the in-process proxy from the deps.
   * @example 'http://127.0.0.1:8474'
   */
  api: z.string().url().optional(),
  toxic: z.object({
    /** @example 'latency' */
    type: z.string().min(1),
    /** @default the fault's name */
    name: z.string().min(1).optional(),
    /** @default 'downstream' */
    stream: z.enum(['upstream', 'downstream']).default('downstream'),
    /** Probability (per connection and direction) that the toxic applies. @default 1 */
    toxicity: z.number().min(0).max(1).default(1),
    /** @example { latency: 500, jitter: 50 } @default {} */
    attributes: z.record(z.string(), z.number()).default({}),
  }),
});
export type ToxicFaultSpec = z.output<typeof toxicFaultSchema>;

/** Adds a toxic to a proxy; revert deletes it (already gone is fine). */
export class ToxicFault implements Fault {
  readonly kind = 'toxic';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly toxic: ToxicPlacement;

  constructor(
    private readonly spec: ToxicFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.target = spec.proxy;
    this.toxic = new ToxicPlacement(
      { fault: spec.name, proxy: spec.proxy, api: spec.api, toxicName: spec.toxic.name },
      deps,
    );
    this.params = { ...spec.toxic, name: this.toxic.name, proxy: spec.proxy, api: spec.api };
  }

  async inject(_ctx: FaultContext): Promise<void> {
    const { type, stream, toxicity, attributes } = this.spec.toxic;
    await this.toxic.add({ type, stream, toxicity, attributes });
  }

  async revert(): Promise<void> {
    await this.toxic.remove();
  }
}
