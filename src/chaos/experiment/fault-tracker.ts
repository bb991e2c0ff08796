import type { Fault } from '../faults/fault.js';
import type { FaultWindow } from '../load/load.js';
import type { RevertReason, SafetyController, SafetyHandle } from '../safety/index.js';
import type { FaultRecord } from './journal.js';
import type { RunClock } from './run-clock.js';

let faultSeq = 0;

export interface TrackedFault {
  readonly record: FaultRecord;
  readonly handle: SafetyHandle;
  /** Its injection succeeded (so it counts as a fault window). */
  took: boolean;
}

/**
 * Keeps the journal's fault records in step with the safety controller: every fault is
 * registered (with its time to live) before it is injected, and its record is closed whoever
 * reverts it (the method, its TTL, a rollback, the emergency stop).
 */
export class FaultTracker {
  private readonly tracked: TrackedFault[] = [];

  constructor(
    private readonly safety: SafetyController,
    private readonly clock: RunClock,
  ) {}

  /** Registers the fault; the caller injects it afterwards. */
  register(fault: Fault, ttlMs: number): TrackedFault {
    // Numbered process-wide: experiments running in parallel share one safety controller.
    const id = `fault:${fault.name}#${++faultSeq}`;
    const now = this.clock.nowMs();
    const record: FaultRecord = {
      id,
      kind: fault.kind,
      name: fault.name,
      ...(fault.target === undefined ? {} : { target: fault.target }),
      params: { ...fault.params, ttl_ms: ttlMs },
      injected_at: this.clock.iso(now),
      injected_ms: now,
      reverted_at: null,
      revert_started_ms: null,
      reverted_ms: null,
      revert_reason: null,
    };
    const handle = this.safety.register(
      { id, kind: fault.kind, name: fault.name, revert: () => fault.revert() },
      { ttlMs },
    );
    void handle.reverted.then((o) => {
      const at = this.clock.offsetOf(o.at);
      record.revert_started_ms = this.clock.offsetOf(o.started_at);
      record.reverted_ms = at;
      record.reverted_at = this.clock.iso(at);
      record.revert_reason = record.revert_reason ?? o.reason;
      if (o.error !== undefined) record.error = `revert failed: ${o.error}`;
    });
    const tracked: TrackedFault = { record, handle, took: false };
    this.tracked.push(tracked);
    return tracked;
  }

  /** Marks the moment the fault took effect. */
  injected(t: TrackedFault): void {
    const now = this.clock.nowMs();
    t.took = true;
    t.record.injected_ms = now;
    t.record.injected_at = this.clock.iso(now);
  }

  failed(t: TrackedFault, error: string): void {
    t.record.error = error;
  }

  /** Reverts every fault of this run still active, in parallel. */
  async revertAll(reason: RevertReason): Promise<void> {
    await Promise.all(this.tracked.filter((t) => t.handle.active).map((t) => t.handle.revert(reason)));
  }

  /** Waits for reverts already under way (e.g. the emergency stop's) to land in the records. */
  async settle(timeoutMs: number): Promise<void> {
    const pending = this.tracked.filter((t) => t.record.reverted_ms === null && !t.handle.active);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending.map((t) => t.handle.reverted)),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  records(): FaultRecord[] {
    return this.tracked.map((t) => ({ ...t.record }));
  }

  /**
   * The windows the load generator measures "under fault": from injection to the start of the
   * revert, so recovery is measured from the moment the fault began to be undone.
   */
  windows(): FaultWindow[] {
    return this.tracked
      .filter((t) => t.took)
      .map((t) => ({ start_ms: t.record.injected_ms, end_ms: t.record.revert_started_ms }));
  }
}
