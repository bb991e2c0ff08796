/**
 * Where a toxic goes: a Toxiproxy-compatible HTTP API (`ToxiproxyHttpTarget`) or the
 * in-process proxy server. Structural on purpose, so faults do not depend on the proxy's
 * internals; anything with these methods will do.
 */
export interface ToxicDefinition {
  name: string;
  /** Toxiproxy wire name: `latency`, `bandwidth`, `slow_close`, `timeout`, `reset_peer`, `slicer`, `limit_data`, `noop`. */
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ToxicPatch {
  toxicity?: number;
  attributes?: Record<string, number>;
}

export interface ToxicTarget {
  addToxic(proxy: string, toxic: ToxicDefinition): unknown;
  /** Removing a toxic that is not there may throw; faults treat a 404-like error as "already gone". */
  removeToxic(proxy: string, toxicName: string): unknown;
  /** Merge attributes/toxicity into a live toxic. Needed by `latency_ramp`. */
  updateToxic?(proxy: string, toxicName: string, patch: ToxicPatch): unknown;
}

/** true for errors meaning "no such toxic/proxy" from either kind of target. */
export function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { status?: unknown; httpStatus?: unknown; code?: unknown };
  return (
    e.status === 404 || e.httpStatus === 404 || (typeof e.code === 'string' && /NOT_FOUND/i.test(e.code))
  );
}
