import type { UpstreamHostState } from '../../stack/gateway/gateway-state.js';
import { pollUntil } from './poll-until.js';
import { hostState, type ReferenceStack } from './reference-stack.js';

export interface HostMatch {
  /** performance.now() of the first poll that saw the host match. */
  at: number;
  host: UpstreamHostState;
}

/**
 * Polls the gateway's admin view of one host (by URL, in the `service` cluster) until `matches`
 * holds, and says when it first did. Scenarios time their hypotheses with it ("ejected within
 * 1 s of the kill", "re-admitted after the restart"): the caller subtracts its own start.
 * Missing the time limit is a hypothesis miss, as with `pollUntil`.
 */
export async function waitForHost(
  stack: Pick<ReferenceStack, 'upstreams'>,
  url: string,
  matches: (host: UpstreamHostState) => boolean,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<HostMatch> {
  const { value } = await pollUntil(
    async () => {
      const host = hostState(await stack.upstreams(), url);
      return host && matches(host) ? { at: performance.now(), host } : undefined;
    },
    { intervalMs: 20, ...options },
  );
  return value;
}
