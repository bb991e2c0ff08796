import type { Fault, FaultContext } from '../../chaos/faults/fault.js';

/**
 * Wraps a fault and notes when it was injected and reverted (performance.now()), so a scenario
 * can measure from the very moment of the fault (time to eject, time to re-admit). `injected`
 * resolves once the injection is done.
 */
export class TimedFault implements Fault {
  /** When `inject` was called (before the fault acted). */
  injectStartedAt: number | undefined;
  /** When `inject` returned (the fault is in place). */
  injectedAt: number | undefined;
  revertedAt: number | undefined;
  /** The fault's `target` right after injection (e.g. the process a random kill picked). */
  injectedTarget: string | undefined;
  readonly injected: Promise<void>;
  private markInjected!: () => void;

  constructor(readonly inner: Fault) {
    this.injected = new Promise((resolve) => {
      this.markInjected = resolve;
    });
  }

  get kind(): string {
    return this.inner.kind;
  }
  get name(): string {
    return this.inner.name;
  }
  get target(): string | undefined {
    return this.inner.target;
  }
  get params(): Record<string, unknown> {
    return this.inner.params;
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.injectStartedAt = performance.now();
    await this.inner.inject(ctx);
    this.injectedAt = performance.now();
    this.injectedTarget = this.inner.target;
    this.markInjected();
  }

  async revert(): Promise<void> {
    await this.inner.revert();
    this.revertedAt ??= performance.now();
  }
}
