/** What a guard saw at one check. */
export interface StopReading {
  tripped: boolean;
  detail: string;
}

/**
 * The extension point for guards that abort a run (AWS FIS calls them stop conditions): host
 * CPU, available memory, a user probe. `check` is called every monitor interval and may keep
 * state between calls (e.g. how long the CPU has been hot).
 */
export interface StopCondition {
  readonly name: string;
  check(signal: AbortSignal): Promise<StopReading>;
}
