import { meetsTolerance, type Probe, type ProbeContext, type Tolerance } from '../probes/index.js';
import type { StopCondition, StopReading } from './stop-condition.js';

export interface ProbeConditionOptions {
  name: string;
  probe: Probe;
  /** The probe's value must meet it; otherwise the condition counts a strike. */
  tolerance: Tolerance;
  /** Consecutive strikes before it trips. @default 1 */
  consecutive?: number;
  context: Omit<ProbeContext, 'signal'>;
}

/** A user probe as a stop condition: trips when its tolerance fails (or it throws) N times in a row. */
export class ProbeCondition implements StopCondition {
  readonly name: string;
  private strikes = 0;

  constructor(private readonly options: ProbeConditionOptions) {
    this.name = options.name;
  }

  async check(signal: AbortSignal): Promise<StopReading> {
    const need = this.options.consecutive ?? 1;
    let detail: string;
    try {
      const value = await this.options.probe.run({ ...this.options.context, signal });
      const met = await meetsTolerance(this.options.tolerance, value);
      if (met) {
        this.strikes = 0;
        return { tripped: false, detail: `probe value ${short(value)} within tolerance` };
      }
      detail = `probe value ${short(value)} outside tolerance`;
    } catch (err) {
      detail = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.strikes++;
    return { tripped: this.strikes >= need, detail: `${detail} (${this.strikes}/${need})` };
  }
}

function short(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
