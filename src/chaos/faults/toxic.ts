import { z } from 'zod';
import type { Fault, FaultContext } from './fault.js';
import { type FaultDeps, resolveToxicTarget } from './fault-deps.js';
import { isNotFound, type ToxicTarget } from './toxic-target.js';

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
  private readonly toxics: ToxicTarget;
  private readonly toxicName: string;
  private injected = false;

  constructor(
    private readonly spec: ToxicFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.target = spec.proxy;
    this.toxicName = spec.toxic.name ?? spec.name;
    this.params = { ...spec.toxic, name: this.toxicName, proxy: spec.proxy, api: spec.api };
    this.toxics = resolveToxicTarget(spec.api, deps, spec.name);
  }

  async inject(_ctx: FaultContext): Promise<void> {
    const { type, stream, toxicity, attributes } = this.spec.toxic;
    // Marked before the call: if the request lands but its answer is lost, revert still deletes it.
    this.injected = true;
    await this.toxics.addToxic(this.spec.proxy, { name: this.toxicName, type, stream, toxicity, attributes });
  }

  async revert(): Promise<void> {
    if (!this.injected) return;
    try {
      await this.toxics.removeToxic(this.spec.proxy, this.toxicName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.injected = false;
  }
}
