import { request } from 'undici';
import { TargetError } from './target-errors.js';

/**
 * Polls `GET {url}{path}` until it answers 200 (the entry point serves through at least one
 * host); rejects with a TargetError after `timeoutMs` or when `signal` aborts.
 */
export async function waitForEntry(
  url: string,
  options: { path?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let last = 'no answer';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const res = await request(`${url}${options.path ?? '/healthz'}`, { signal: AbortSignal.timeout(1000) });
      await res.body.dump();
      if (res.statusCode === 200) return;
      last = `status ${res.statusCode}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() > deadline) {
      throw new TargetError(`${url} did not serve within ${options.timeoutMs ?? 10_000} ms (${last})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
