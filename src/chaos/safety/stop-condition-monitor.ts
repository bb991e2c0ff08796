import type { Logger } from 'pino';
import type { StopCondition } from './stop-condition.js';

export interface StopConditionTrip {
  condition: string;
  detail: string;
}

export interface StopConditionMonitorOptions {
  /** @default 1000 */
  intervalMs?: number;
  onTrip: (trip: StopConditionTrip) => void;
  logger?: Logger;
}

/**
 * Checks every condition each interval (one round at a time, never overlapping) and reports the
 * first trip once, then stops. A guard that throws is logged and does not trip.
 */
export class StopConditionMonitor {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private tripped = false;

  constructor(
    private readonly conditions: readonly StopCondition[],
    private readonly options: StopConditionMonitorOptions,
  ) {}

  start(): this {
    if (this.conditions.length > 0) this.schedule();
    return this;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(): void {
    if (this.abort.signal.aborted || this.tripped) return;
    this.timer = setTimeout(() => {
      this.round = this.checkAll().finally(() => this.schedule());
    }, this.options.intervalMs ?? 1000);
  }

  private async checkAll(): Promise<void> {
    const readings = await Promise.all(
      this.conditions.map(async (c) => {
        try {
          return { name: c.name, reading: await c.check(this.abort.signal) };
        } catch (err) {
          this.options.logger?.warn({ condition: c.name, err }, 'stop condition check failed');
          return { name: c.name, reading: { tripped: false, detail: 'check failed' } };
        }
      }),
    );
    if (this.abort.signal.aborted || this.tripped) return;
    const trip = readings.find((r) => r.reading.tripped);
    if (trip) {
      this.tripped = true;
      this.options.onTrip({ condition: trip.name, detail: trip.reading.detail });
    }
  }
}
