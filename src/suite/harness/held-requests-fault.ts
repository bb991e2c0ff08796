import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Fault, FaultContext } from '../../chaos/faults/fault.js';

/**
 * Connection hogs: `count` requests to a slow endpoint, sent at once and held open until the
 * fault is reverted (then aborted). Through a gateway they occupy its upstream connection
 * slots, which is what a wave of slow clients or a stuck dependency does to a connection pool.
 *
 * Like slow clients that come back, a held request that ends while the fault is active (shed
 * with a 503 because the slots were taken by other requests when it arrived, or refused) is sent
 * again, so the hogs take every slot that frees up: on a loaded machine, requests in flight when
 * the hogs arrived had got some slots first, the hogs queued behind them were shed, and the pool
 * then had free slots for most of the fault. Re-sends are bounded (`maxResends`) and paced
 * (`resendDelayMs` after an answer that came at once).
 */
export class HeldRequestsFault implements Fault {
  readonly kind = 'connections.held';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private controller: AbortController | undefined;
  private agent: Agent | undefined;
  private inFlight: Promise<unknown>[] = [];
  /** Statuses (or error codes) the held requests ended with, re-sent ones included. */
  readonly outcomes: string[] = [];
  /** Held requests sent again after they ended while the fault was active. */
  resent = 0;
  private readonly maxResends: number;
  private readonly resendDelayMs: number;

  constructor(
    private readonly url: string,
    private readonly count: number,
    name = 'held-requests',
    options: { maxResends?: number; resendDelayMs?: number } = {},
  ) {
    this.name = name;
    this.target = url;
    this.maxResends = options.maxResends ?? count * 20;
    this.resendDelayMs = options.resendDelayMs ?? 50;
    this.params = { url, count, max_resends: this.maxResends };
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.controller = new AbortController();
    const signal = AbortSignal.any([this.controller.signal, ctx.signal]);
    // Every held request listens on this one signal by design: not a leak.
    setMaxListeners(this.count + 1, signal);
    this.agent = new Agent({ connections: this.count + 8, pipelining: 0 });
    const agent = this.agent;
    const hold = async (): Promise<void> => {
      for (;;) {
        const sentAt = performance.now();
        const ended = await request(this.url, { dispatcher: agent, signal }).then(
          async (res) => {
            await res.body.dump().catch(() => {});
            return String(res.statusCode);
          },
          (err: { code?: string; name?: string }) =>
            err.name === 'AbortError' ? 'aborted' : (err.code ?? 'error'),
        );
        this.outcomes.push(ended);
        if (signal.aborted || this.resent >= this.maxResends) return;
        this.resent++;
        const waited = performance.now() - sentAt;
        if (waited < this.resendDelayMs)
          await sleep(this.resendDelayMs - waited, undefined, { signal }).catch(() => {});
        if (signal.aborted) return;
      }
    };
    this.inFlight = Array.from({ length: this.count }, hold);
  }

  async revert(): Promise<void> {
    this.controller?.abort();
    await Promise.all(this.inFlight);
    this.inFlight = [];
    await this.agent?.destroy().catch(() => {});
    this.agent = undefined;
  }
}
