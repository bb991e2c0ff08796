import { z } from 'zod';
import { type Event, EventEmitter } from '../../common/event.js';
import { FaultConfigError } from './errors.js';
import type { Fault, FaultContext } from './fault.js';
import type { FaultDeps } from './fault-deps.js';
import { ToxicPlacement } from './toxic-placement.js';

export const latencyRampFaultSchema = z
  .object({
    kind: z.literal('latency_ramp'),
    /** @default 'latency_ramp' */
    name: z.string().min(1).default('latency_ramp'),
    /** Proxy the latency toxic goes on. */
    proxy: z.string().min(1),
    /** Toxiproxy-compatible API URL; without it, the in-process proxy. */
    api: z.string().url().optional(),
    /** @default 'downstream' */
    stream: z.enum(['upstream', 'downstream']).default('downstream'),
    /** Toxic name on the proxy. @default the fault's name */
    toxic_name: z.string().min(1).optional(),
    /** Latency when injected (ms). @default 0 */
    start_ms: z.number().int().nonnegative().default(0),
    /** Added at every step (ms). @default 100 */
    step_ms: z.number().int().positive().default(100),
    /** Time between steps. @default 1000 */
    every_ms: z.number().int().min(10).default(1000),
    /** Ceiling; the ramp stops here. @default 2000 */
    max_ms: z.number().int().nonnegative().default(2000),
    /** Jitter attribute of the toxic (ms). @default 0 */
    jitter_ms: z.number().int().nonnegative().default(0),
  })
  .refine((s) => s.max_ms >= s.start_ms, { message: 'max_ms must be >= start_ms', path: ['max_ms'] });
export type LatencyRampFaultSpec = z.output<typeof latencyRampFaultSchema>;

/**
 * A latency toxic that rises step by step: `start_ms`, then `+step_ms` every `every_ms` up
 * to `max_ms`, updated in place (PATCH) so open connections feel every step. Inject returns
 * once the first step is on; the ramp goes on in the background until revert.
 */
export class LatencyRampFault implements Fault {
  readonly kind = 'latency_ramp';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly toxic: ToxicPlacement;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private latency = 0;
  private stepping: Promise<unknown> = Promise.resolve();
  private readonly stepEmitter = new EventEmitter<number>();
  /** Fires with the new latency (ms) after each step is applied. */
  readonly onStep: Event<number> = this.stepEmitter.addListener;

  constructor(
    private readonly spec: LatencyRampFaultSpec,
    deps: FaultDeps,
  ) {
    this.name = spec.name;
    this.target = spec.proxy;
    this.toxic = new ToxicPlacement(
      { fault: spec.name, proxy: spec.proxy, api: spec.api, toxicName: spec.toxic_name },
      deps,
    );
    if (!this.toxic.canUpdate) {
      throw new FaultConfigError(`fault "${spec.name}": the proxy target cannot update toxics in place`);
    }
    const { start_ms, step_ms, every_ms, max_ms, jitter_ms, stream } = spec;
    this.params = { proxy: spec.proxy, stream, start_ms, step_ms, every_ms, max_ms, jitter_ms };
  }

  /** The latency currently applied (ms). */
  get current_ms(): number {
    return this.latency;
  }

  async inject(ctx: FaultContext): Promise<void> {
    if (this.toxic.placed) return;
    this.stopped = false;
    this.latency = this.spec.start_ms;
    await this.toxic.add({
      type: 'latency',
      stream: this.spec.stream,
      toxicity: 1,
      attributes: { latency: this.latency, jitter: this.spec.jitter_ms },
    });
    this.stepEmitter.emit(this.latency);
    ctx.signal.addEventListener('abort', () => this.stopRamp(), { once: true });
    if (this.latency < this.spec.max_ms && !ctx.signal.aborted) this.scheduleStep();
  }

  async revert(): Promise<void> {
    this.stopRamp();
    await this.stepping.catch(() => {});
    await this.toxic.remove();
  }

  private scheduleStep(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const next = Math.min(this.spec.max_ms, this.latency + this.spec.step_ms);
      this.stepping = Promise.resolve(
        this.toxic.update({ attributes: { latency: next, jitter: this.spec.jitter_ms } }),
      ).then(
        () => {
          if (!this.toxic.placed) return;
          this.latency = next;
          this.stepEmitter.emit(next);
          if (next < this.spec.max_ms && this.timer === undefined && !this.stopped) this.scheduleStep();
        },
        () => {
          // The toxic or proxy is gone (reverted elsewhere, proxy reset): the ramp ends.
        },
      );
    }, this.spec.every_ms);
  }

  private stopRamp(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
