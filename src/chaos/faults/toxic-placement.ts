import { type FaultDeps, resolveToxicTarget } from './fault-deps.js';
import { isNotFound, type ToxicDefinition, type ToxicPatch, type ToxicTarget } from './toxic-target.js';

export interface ToxicPlacementOptions {
  /** The fault's name: the toxic's name unless `toxicName` is given, and the one in errors. */
  fault: string;
  /** Proxy the toxic goes on. */
  proxy: string;
  /** Toxiproxy-compatible API URL; without it, the in-process proxy from the deps. */
  api?: string | undefined;
  toxicName?: string | undefined;
}

/**
 * One named toxic that a fault puts on one proxy and takes off again: the toxic faults
 * (`toxic`, `latency_ramp`) differ in what they add and when, not in how it is placed and
 * removed.
 */
export class ToxicPlacement {
  /** The toxic's name on the proxy. */
  readonly name: string;
  private readonly toxics: ToxicTarget;
  private readonly proxy: string;
  private added = false;

  constructor(options: ToxicPlacementOptions, deps: FaultDeps) {
    this.proxy = options.proxy;
    this.name = options.toxicName ?? options.fault;
    this.toxics = resolveToxicTarget(options.api, deps, options.fault);
  }

  /** Whether the target can change a live toxic (`updateToxic`). */
  get canUpdate(): boolean {
    return this.toxics.updateToxic !== undefined;
  }

  /** true from the moment `add` is called until `remove` has taken the toxic off. */
  get placed(): boolean {
    return this.added;
  }

  async add(toxic: Omit<ToxicDefinition, 'name'>): Promise<void> {
    // Marked before the call: if the request lands but its answer is lost, remove still deletes it.
    this.added = true;
    await this.toxics.addToxic(this.proxy, { name: this.name, ...toxic });
  }

  /**
   * Merges `patch` into the live toxic, if the target can (`updateToxic`). Always a promise:
   * the in-process proxy throws synchronously when the toxic is gone, and callers on a timer
   * (the latency ramp) must see that as a rejection, not an uncaught exception.
   */
  async update(patch: ToxicPatch): Promise<unknown> {
    return this.toxics.updateToxic?.(this.proxy, this.name, patch);
  }

  /** Deletes the toxic if it was added; one already gone is fine. */
  async remove(): Promise<void> {
    if (!this.added) return;
    try {
      await this.toxics.removeToxic(this.proxy, this.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.added = false;
  }
}
