import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import type { Fault, FaultContext } from '../../chaos/faults/fault.js';

/**
 * Connection hogs: `count` requests to a slow endpoint, sent at once and held open until the
 * fault is reverted (then aborted). Through a gateway they occupy its upstream connection
 * slots, which is what a wave of slow clients or a stuck dependency does to a connection pool.
 */
export class HeldRequestsFault implements Fault {
  readonly kind = 'connections.held';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private controller: AbortController | undefined;
  private agent: Agent | undefined;
  private inFlight: Promise<unknown>[] = [];
  /** Statuses (or error codes) the held requests ended with. */
  readonly outcomes: string[] = [];

  constructor(
    private readonly url: string,
    private readonly count: number,
    name = 'held-requests',
  ) {
    this.name = name;
    this.target = url;
    this.params = { url, count };
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.controller = new AbortController();
    const signal = AbortSignal.any([this.controller.signal, ctx.signal]);
    // Every held request listens on this one signal by design: not a leak.
    setMaxListeners(this.count + 1, signal);
    this.agent = new Agent({ connections: this.count + 8, pipelining: 0 });
    const agent = this.agent;
    this.inFlight = Array.from({ length: this.count }, () =>
      request(this.url, { dispatcher: agent, signal }).then(
        async (res) => {
          this.outcomes.push(String(res.statusCode));
          await res.body.dump().catch(() => {});
        },
        (err: { code?: string; name?: string }) => {
          this.outcomes.push(err.name === 'AbortError' ? 'aborted' : (err.code ?? 'error'));
        },
      ),
    );
  }

  async revert(): Promise<void> {
    this.controller?.abort();
    await Promise.all(this.inFlight);
    this.inFlight = [];
    await this.agent?.destroy().catch(() => {});
    this.agent = undefined;
  }
}
