/**
 * The capabilities the database scenarios claim, each of which a negative control switches
 * off (as configuration of the cluster, never a code patch):
 *
 * - `synchronous: false`: asynchronous replication (an acknowledged write may exist on one node only);
 * - `fencing: false`: a leader that loses its lease is not fenced, and a new leader fences nothing;
 * - `idempotencyKeys: false`: writes carry no idempotency key, and the router retries them anyway.
 */
export interface DatabaseCapabilities {
  /** @default true */
  synchronous?: boolean;
  /** @default true */
  fencing?: boolean;
  /** @default true */
  idempotencyKeys?: boolean;
}

/** The stack and router settings that implement a set of capabilities. */
export function stackSettings(c: DatabaseCapabilities) {
  const keyed = c.idempotencyKeys ?? true;
  return {
    synchronous: c.synchronous ?? true,
    fencing: c.fencing ?? true,
    // Without keys, a retry after a lost COMMIT is the only way to keep writing through a failover.
    router: keyed ? {} : { retry_unkeyed_writes: true },
    keyed,
  };
}

/** The scenario id of a control run: `<scenario>~<control>`. */
export function controlId(scenarioId: string, control: string): string {
  return `${scenarioId}~${control}`;
}
