import { request } from 'undici';
import { delay } from '../../common/async.js';
import { HarnessError } from './harness-errors.js';
import type { ReferenceStack, StackInstance } from './reference-stack.js';
import type { LoggedRequest } from './request-mix-load.js';

/*
 * What the clients and the instances observed, as opposed to what the gateway reports about
 * itself: a scenario that judges only these holds for any gateway (HAProxy, nginx) in front of
 * the same instances. The gateway's admin state may be recorded as extra detail, never judged.
 */

/**
 * Connections the link in front of an instance (its fault proxy) has accepted so far: every try
 * to a dead, black-holed or timed-out host opens one (the gateway cannot reuse the connection),
 * and so does every health check of such a host.
 */
export function linkConnections(stack: ReferenceStack, instance: string): number {
  const stats = stack.proxies.stats().get(instance);
  if (!stats) throw new HarnessError(`no fault proxy named ${instance}`);
  return stats.connectionsTotal;
}

/**
 * Connections per second the link in front of `instance` accepted from `fromMs` to `toMs`
 * (performance.now() times; waits for both). The out-of-rotation evidence that load does not
 * loosen: a host in rotation that times out or is dead gets one connection per try, a host out
 * of rotation only its health checks'. NaN when the window is empty or the wait was aborted.
 */
export async function linkConnectionRate(
  stack: ReferenceStack,
  instance: string,
  fromMs: number,
  toMs: number,
  signal?: AbortSignal,
): Promise<number> {
  await delay(fromMs - performance.now(), signal);
  const from = performance.now();
  const before = linkConnections(stack, instance);
  await delay(toMs - performance.now(), signal);
  const elapsed = performance.now() - from;
  if (signal?.aborted || elapsed <= 0) return Number.NaN;
  return ((linkConnections(stack, instance) - before) * 1000) / elapsed;
}

/**
 * Requests the instance itself has received so far (its `/admin/stats`, read directly, not
 * through its proxy), health checks and admin calls left out: the tries that reached it.
 */
export async function triesReceived(instance: StackInstance): Promise<number> {
  const res = await request(`${instance.directUrl}/admin/stats`, { signal: AbortSignal.timeout(3000) });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new HarnessError(`${instance.name} answered ${res.statusCode} to /admin/stats`);
  }
  const stats = (await res.body.json()) as { by_path?: Record<string, number> };
  let tries = 0;
  for (const [path, n] of Object.entries(stats.by_path ?? {})) {
    if (path !== '/healthz' && path !== '/readyz' && path !== '/admin') tries += n;
  }
  return tries;
}

/** The instance that answered a logged request (its `X-Instance-Id`). */
export function answeredBy(entry: LoggedRequest): string | undefined {
  const id = entry.headers['x-instance-id'];
  return typeof id === 'string' ? id : undefined;
}

/**
 * When `instance` served again after `since` (performance.now()): the send time of the first
 * request sent at or after `since` that it answered successfully; undefined if none did.
 */
export function firstServedAfter(
  log: readonly LoggedRequest[],
  instance: string,
  since: number,
): number | undefined {
  let first: number | undefined;
  for (const e of log) {
    if (e.ok && e.sentAt >= since && answeredBy(e) === instance && (first === undefined || e.sentAt < first))
      first = e.sentAt;
  }
  return first;
}
