import { FaultlineError } from '../../common/errors.js';

/**
 * Every error the database router and the failover manager raise on purpose. Callers switch on
 * `code`, never on the message:
 *
 * | code | class | meaning |
 * |---|---|---|
 * | `FL_DB_NO_PRIMARY` | NoPrimaryError | no node holds the leader lease and accepts writes before the write's deadline |
 * | `FL_DB_FENCED` | FencedNodeError | the node refused the write because it is fenced (read-only after losing the lease) |
 * | `FL_DB_STALE_TOKEN` | StaleFencingTokenError | the write carried a fencing token older than the node's |
 * | `FL_DB_WRITE_TIMEOUT` | WriteTimeoutError | no attempt was acknowledged before the write's deadline (outcome unknown unless it carried an idempotency key) |
 * | `FL_DB_OUTCOME_UNKNOWN` | WriteOutcomeUnknownError | a write without idempotency key lost its connection during COMMIT: it may or may not be applied, so it is not retried |
 * | `FL_DB_NO_STANDBY` | NoStandbyError | a read that must go to a standby found none within the lag bound |
 * | `FL_DB_LEASE` | LeaseStoreError | the lease store (etcd) failed or could not be reached |
 * | `FL_DB_FAILOVER` | FailoverError | a step of a failover (fence, promote, re-point) failed |
 * | `FL_DB_CLOSED` | RouterClosedError | the router or manager was closed |
 */
export class DatabaseError extends FaultlineError {}

export class NoPrimaryError extends DatabaseError {
  constructor(message = 'no writable primary holds the leader lease', options: { cause?: unknown } = {}) {
    super('FL_DB_NO_PRIMARY', message, { httpStatus: 503, cause: options.cause });
  }
}

export class FencedNodeError extends DatabaseError {
  constructor(
    readonly node: string,
    options: { cause?: unknown } = {},
  ) {
    super('FL_DB_FENCED', `node ${node} is fenced and refuses writes`, {
      httpStatus: 503,
      cause: options.cause,
    });
  }
}

export class StaleFencingTokenError extends DatabaseError {
  constructor(
    readonly node: string,
    readonly sent: bigint,
    readonly current: bigint,
  ) {
    super('FL_DB_STALE_TOKEN', `node ${node} holds fencing token ${current}; the write carried ${sent}`, {
      httpStatus: 503,
    });
  }
}

export class WriteTimeoutError extends DatabaseError {
  constructor(
    readonly attempts: number,
    options: { cause?: unknown } = {},
  ) {
    super('FL_DB_WRITE_TIMEOUT', `write not acknowledged after ${attempts} attempt(s)`, {
      httpStatus: 504,
      cause: options.cause,
    });
  }
}

export class WriteOutcomeUnknownError extends DatabaseError {
  constructor(
    readonly node: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'FL_DB_OUTCOME_UNKNOWN',
      `the connection to ${node} broke during COMMIT of a write without idempotency key; it may have been applied`,
      { httpStatus: 503, cause: options.cause },
    );
  }
}

export class NoStandbyError extends DatabaseError {
  constructor() {
    super('FL_DB_NO_STANDBY', 'no standby within the replication-lag bound', { httpStatus: 503 });
  }
}

export class LeaseStoreError extends DatabaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FL_DB_LEASE', message, { httpStatus: 503, cause: options.cause });
  }
}

export class FailoverError extends DatabaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FL_DB_FAILOVER', message, { cause: options.cause });
  }
}

export class RouterClosedError extends DatabaseError {
  constructor(what = 'database router') {
    super('FL_DB_CLOSED', `${what} is closed`, { httpStatus: 503 });
  }
}

export function isDatabaseError(err: unknown): err is DatabaseError {
  return err instanceof DatabaseError;
}
