import type { Fault, FaultContext } from '../../chaos/faults/fault.js';

/**
 * Several faults that act as one (the same ramp on every instance's proxy, a different toxic
 * on each link): injected together, reverted together, one entry in the journal.
 */
export class FaultGroup implements Fault {
  readonly target: string;
  readonly params: Record<string, unknown>;

  constructor(
    readonly kind: string,
    readonly name: string,
    private readonly faults: readonly Fault[],
  ) {
    this.target = faults.map((f) => f.target ?? f.name).join(',');
    this.params = {
      faults: faults.map((f) => ({ kind: f.kind, name: f.name, target: f.target, ...f.params })),
    };
  }

  async inject(ctx: FaultContext): Promise<void> {
    await Promise.all(this.faults.map((f) => f.inject(ctx)));
  }

  async revert(): Promise<void> {
    const results = await Promise.allSettled(this.faults.map((f) => f.revert()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
