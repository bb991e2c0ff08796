import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { z } from 'zod';
import type { LogBuffer, LogLine } from './log-buffer.js';

/** How the supervisor knows a child is ready to serve. */
export const readinessSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('tcp'),
    port: z.number().int().min(1).max(65535),
    /** @default '127.0.0.1' */
    host: z.string().default('127.0.0.1'),
  }),
  z.object({
    type: z.literal('http'),
    /** @example 'http://127.0.0.1:8080/health' */
    url: z.string().url(),
    /** Status that means ready. @default 200 */
    status: z.number().int().default(200),
  }),
  z.object({
    type: z.literal('log'),
    /**
     * A substring or regular expression a line of stdout/stderr must match. Only lines of the
     * start being waited for count, never an earlier run's.
     */
    pattern: z.union([z.string().min(1), z.instanceof(RegExp)]),
  }),
]);
export type Readiness = z.input<typeof readinessSchema>;

export function describeReadiness(check: Readiness): string {
  switch (check.type) {
    case 'tcp':
      return `tcp ${check.host ?? '127.0.0.1'}:${check.port}`;
    case 'http':
      return `http ${check.url}`;
    case 'log':
      return `log /${typeof check.pattern === 'string' ? check.pattern : check.pattern.source}/`;
  }
}

/**
 * Resolves once the check passes; rejects with the signal's reason when `signal` aborts
 * (the caller aborts it on timeout or on the child's exit). Log checks are pure events;
 * TCP and HTTP checks retry connection attempts with a short backoff, since "a port
 * started listening" has no event we can subscribe to from outside the child.
 *
 * A log check only accepts lines of `generation` (by default the buffer's latest): the
 * buffer keeps earlier runs' output, whose "listening" line says nothing about this run.
 */
export async function waitForReadiness(
  check: Readiness,
  logs: LogBuffer,
  signal: AbortSignal,
  generation = logs.generation,
): Promise<void> {
  const parsed = readinessSchema.parse(check);
  switch (parsed.type) {
    case 'log':
      return waitForLogLine(logs, parsed.pattern, generation, signal);
    case 'tcp':
      return retryUntil(() => tcpOpen(parsed.host, parsed.port), signal);
    case 'http':
      return retryUntil(() => httpStatusIs(parsed.url, parsed.status, signal), signal);
  }
}

function waitForLogLine(
  logs: LogBuffer,
  pattern: string | RegExp,
  generation: number,
  signal: AbortSignal,
): Promise<void> {
  // search(), not test(): a /g or /y pattern's lastIndex would make test() skip matches.
  const matches = (entry: LogLine) =>
    entry.generation === generation &&
    (typeof pattern === 'string' ? entry.line.includes(pattern) : entry.line.search(pattern) !== -1);
  if (logs.entries(generation).some(matches)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      sub.dispose();
      reject(signal.reason);
    };
    const sub = logs.onLine((entry) => {
      if (!matches(entry)) return;
      sub.dispose();
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function retryUntil(attempt: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  let delay = 10;
  for (;;) {
    signal.throwIfAborted();
    if (await attempt()) return;
    signal.throwIfAborted();
    await sleep(delay, undefined, { signal });
    delay = Math.min(delay * 2, 100);
  }
}

/** true when a TCP connection to host:port succeeds. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function httpStatusIs(url: string, status: number, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await request(url, {
      method: 'GET',
      signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]),
    });
    await res.body.dump();
    return res.statusCode === status;
  } catch {
    return false;
  }
}
