import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { TryDeadline } from '../timeout/try-deadline.js';
import { UpstreamFailureError, UpstreamTimeoutError } from './gateway-errors.js';
import type { UpstreamCluster } from './upstream-cluster.js';
import type { UpstreamHost } from './upstream-host.js';

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  /** A buffer (replayable) or the client's stream (one try only); undefined for no body. */
  readonly body: Buffer | Readable | undefined;
}

export interface UpstreamResponse {
  readonly host: UpstreamHost;
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/**
 * One try of one request on one host, which already holds one of the host's connection slots
 * (`host.slots.acquire`): send, and resolve when the response headers are in. The per-try
 * timeout runs from here until the headers are in (connecting included; connecting also has
 * its own timeout); the slot (released here, whatever happens) and the host's
 * active count are held until the body is done. Outcomes feed the cluster's outlier detection;
 * errors come out typed (502 failure, 504 timeout, or the caller's abort reason).
 */
export async function sendToHost(
  cluster: UpstreamCluster,
  host: UpstreamHost,
  request: UpstreamRequest,
  signal: AbortSignal,
  perTryMs: number,
): Promise<UpstreamResponse> {
  host.activeRequests++;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    host.activeRequests--;
    host.slots.release();
  };

  let data: Dispatcher.ResponseData;
  // One timer per try (not undici's coarse headersTimeout); the caller's signal (overall
  // timeout, client gone, hedge lost) aborts the request and, later, its body.
  const deadline = new TryDeadline(signal, perTryMs, () => timedOut(host, perTryMs));
  try {
    data = await host.pool.request({
      method: request.method as Dispatcher.HttpMethod,
      path: request.path,
      headers: request.headers,
      body: request.body ?? null,
      signal: deadline.signal,
      bodyTimeout: 0,
    });
  } catch (err) {
    deadline.clear();
    release();
    if (signal.aborted) throw signal.reason;
    cluster.record(host, 'gateway_failure');
    if (deadline.timedOut) throw deadline.reason;
    throw classify(host, err, perTryMs);
  }
  deadline.clear();
  cluster.record(host, data.statusCode >= 500 ? 'http_5xx' : 'success');
  data.body.once('close', release);
  data.body.once('error', release);
  return { host, statusCode: data.statusCode, headers: data.headers, body: data.body };
}

function classify(host: UpstreamHost, err: unknown, perTryMs: number): Error {
  const e = err as { code?: string; name?: string; message?: string } | null;
  const code = e?.code ?? (e?.message ? `${e.name ?? 'Error'}: ${e.message}` : String(err));
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new UpstreamTimeoutError(host.origin, 'per-try', perTryMs);
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return new UpstreamTimeoutError(host.origin, 'connect', host.connectMs);
  return new UpstreamFailureError(host.origin, code, err);
}

function timedOut(host: UpstreamHost, perTryMs: number): UpstreamTimeoutError {
  return new UpstreamTimeoutError(host.origin, 'per-try', perTryMs);
}
