import { declaredControl, type ScenarioControl } from '../../runner/control.js';
import type { ScenarioContext } from '../../runner/scenario.js';

/**
 * The capabilities the database scenarios claim, each of which a negative control switches
 * off (as configuration of the cluster, never a code patch):
 *
 * - `synchronous: false`: asynchronous replication (an acknowledged write may exist on one node only);
 * - `fencing: false`: a leader that loses its lease is not fenced, and a new leader fences nothing;
 * - `idempotencyKeys: false`: writes carry no idempotency key, and the router retries them anyway;
 * - `writeRetries: false`: a write's deadline is too short to retry it across a failover.
 */
export interface DatabaseCapabilities {
  /** @default true */
  synchronous?: boolean;
  /** @default true */
  fencing?: boolean;
  /** @default true */
  idempotencyKeys?: boolean;
  /** @default true */
  writeRetries?: boolean;
}

/**
 * A write's deadline without retries across a failover, ms: 4 × the 60 ms round trip to a standby
 * 30 ms away, well under a failover (writes resumed 575–970 ms after the link drop). Measured: the
 * control's runs failed 26–27 writes, all FL_DB_WRITE_TIMEOUT (16 writers stalled at the link drop).
 */
const NO_RETRY_DEADLINE_MS = 250;

/** What a database scenario's negative control changes: the capabilities it switches off. */
export type DatabaseChange = Partial<DatabaseCapabilities>;

/** A negative control of a database scenario. */
export type DatabaseControl = ScenarioControl<DatabaseChange>;

/**
 * The settings that implement a set of capabilities: `stack` (the cluster options every database
 * scenario passes to `runOnDatabase`, spread before its own), and what its write load does.
 */
export function stackSettings(c: DatabaseCapabilities) {
  const keyed = c.idempotencyKeys ?? true;
  return {
    stack: {
      synchronous: c.synchronous ?? true,
      fencing: c.fencing ?? true,
      // Without keys, a retry after a lost COMMIT is the only way to keep writing through a failover.
      router: keyed ? {} : { retry_unkeyed_writes: true },
    },
    keyed,
    /** The deadline of each write of the load, ms (undefined: the scenario's own). */
    writeTimeoutMs: c.writeRetries === false ? NO_RETRY_DEADLINE_MS : undefined,
  };
}

/**
 * The settings of this run: every capability on, except what the control in `ctx` (one of the
 * scenario's `controls`) switches off.
 *
 * @throws UndeclaredControlError when `ctx.control` is not one of `controls`.
 */
export function databaseSettings(
  ctx: Pick<ScenarioContext, 'control'>,
  controls: readonly DatabaseControl[],
) {
  return stackSettings(declaredControl(controls, ctx.control)?.stack ?? {});
}

/** The database scenarios' controls, named once so every scenario spells them the same way. */
export const databaseControls = {
  /** Asynchronous replication: the primary acknowledges a write before the standby has it. */
  asyncReplication: (claim: string, misses: readonly string[]): DatabaseControl => ({
    name: 'async_replication',
    claim,
    change: 'synchronous: false (asynchronous replication)',
    stack: { synchronous: false },
    misses,
  }),
  /** No fencing: a leader that lost its lease keeps taking writes, a new one fences nothing. */
  noFencing: (claim: string, misses: readonly string[]): DatabaseControl => ({
    name: 'no_fencing',
    claim,
    change: 'fencing: false (no self-fencing on lease loss, none on takeover)',
    stack: { fencing: false },
    misses,
  }),
  /** Writes without idempotency keys, retried after a lost COMMIT anyway. */
  noIdempotencyKey: (claim: string, misses: readonly string[]): DatabaseControl => ({
    name: 'no_idempotency_key',
    claim,
    change: 'no idempotency keys; the router retries unkeyed writes (retry_unkeyed_writes)',
    stack: { idempotencyKeys: false },
    misses,
  }),
  /** Writes get a deadline too short to be retried across a failover. */
  writeRetriesOff: (claim: string, misses: readonly string[]): DatabaseControl => ({
    name: 'write_retries_off',
    claim,
    change: `write deadline ${NO_RETRY_DEADLINE_MS} ms (no retry across the failover)`,
    stack: { writeRetries: false },
    misses,
  }),
} as const;
