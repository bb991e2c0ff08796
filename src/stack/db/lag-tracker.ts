/**
 * Replication lag in time, from WAL positions alone: the router samples the primary's
 * `pg_current_wal_lsn()` on every health round, and a standby that has replayed up to LSN `x`
 * is at least as stale as the oldest sample the primary had already passed `x` at. This holds
 * while the standby is cut off from its primary (when `now() - pg_last_xact_replay_timestamp()`
 * reads as fresh as ever on an idle standby, and `pg_last_wal_receive_lsn = replay_lsn` says
 * nothing), and it reads 0 on an idle, caught-up cluster (when the replay timestamp grows forever).
 * Resolution: one health round.
 */
export class LagTracker {
  private readonly samples: { at: number; lsn: bigint }[] = [];

  constructor(
    /** How far back samples are kept, ms: lags beyond it read as this. @default 60000 */
    private readonly horizonMs = 60_000,
  ) {}

  /** Records the primary's position at `at` (performance.now(), ms). */
  record(lsn: bigint, at: number): void {
    const last = this.samples.at(-1);
    if (!last || lsn > last.lsn) this.samples.push({ at, lsn });
    while (this.samples.length > 1 && (this.samples[0] as { at: number }).at < at - this.horizonMs) {
      this.samples.shift();
    }
  }

  /** The primary's latest known position, or undefined before any sample. */
  get primaryLsn(): bigint | undefined {
    return this.samples.at(-1)?.lsn;
  }

  /** How stale a standby replayed up to `replayLsn` is at `now`, ms (0 when caught up). */
  lagMs(replayLsn: bigint, now: number): number {
    for (const s of this.samples) {
      if (s.lsn > replayLsn) return Math.max(0, now - s.at);
    }
    return 0;
  }
}
