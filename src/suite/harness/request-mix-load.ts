import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { LoadRun } from '../../chaos/load/load.js';
import type { LoadOutcome } from '../../chaos/load/load-recorder.js';
import { errorLabel, type LoadSender, OpenLoopRun } from '../../chaos/load/open-loop-run.js';
import type { StartLoadOptions } from '../../chaos/load/start-load.js';
import { MixSchedule } from './mix-schedule.js';

/** One kind of request in the mix. Functions get the request's sequence number. */
export interface MixRequest {
  /** Route label in the request log. @example 'items' */
  name: string;
  /** @default 'GET' */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string | ((seq: number) => string);
  headers?: Record<string, string> | ((seq: number) => Record<string, string>);
  /** JSON body. */
  body?: unknown | ((seq: number) => unknown);
  /** Relative share of the mix (integer). @default 1 */
  weight?: number;
}

/** What happened to one request. */
export interface LoggedRequest {
  seq: number;
  route: string;
  method: string;
  /** performance.now() when it was sent. */
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or null when no response came (error, timeout). */
  status: number | null;
  /** The status, or the error's code (`timeout`, `UND_ERR_SOCKET`, …). */
  label: string;
  ok: boolean;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body for 2xx answers of writes (POST/PUT), else undefined. */
  body?: unknown;
  /** The start of the body of a failed answer (the gateway's error and its code). */
  errorBody?: string;
  /** performance.now() when the outcome was known. */
  doneAt: number;
}

export interface RequestMixOptions {
  /** Base URL (the gateway). */
  baseUrl: string;
  requests: MixRequest[];
  /** Requests per second (open loop). */
  rate: number;
  durationMs: number;
  /** Give up on one request after this long (counted as `timeout`). @default 10000 */
  requestTimeoutMs?: number;
  /** @default 256 */
  maxInFlight?: number;
  /** Which statuses count as success. @default status < 500 */
  isOk?: (status: number) => boolean;
  logger?: Logger;
}

/** Summary figures of a set of logged requests. */
export interface RequestSummary {
  count: number;
  ok: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  labels: Record<string, number>;
}

/** A one-line account of failed requests for hypothesis messages: labels and the first error bodies. */
export function describeFailures(entries: readonly LoggedRequest[], max = 3): string {
  const failed = entries.filter((e) => !e.ok);
  if (failed.length === 0) return 'none';
  const labels = summarizeRequests(failed).labels;
  const samples = failed
    .slice(0, max)
    .map(
      (e) =>
        `${e.method} ${e.route} -> ${e.label}${e.errorBody ? ` ${e.errorBody.replace(/\s+/g, ' ').slice(0, 160)}` : ''}`,
    );
  return `${JSON.stringify(labels)}; e.g. ${samples.join(' | ')}`;
}

export function summarizeRequests(entries: readonly LoggedRequest[]): RequestSummary {
  const latencies = entries.map((e) => e.latencyMs).sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length === 0
      ? 0
      : (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0);
  const labels: Record<string, number> = {};
  let ok = 0;
  for (const e of entries) {
    labels[e.label] = (labels[e.label] ?? 0) + 1;
    if (e.ok) ok++;
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: entries.length,
    ok,
    errors: entries.length - ok,
    errorRate: entries.length === 0 ? 0 : (entries.length - ok) / entries.length,
    p50Ms: round(at(0.5)),
    p90Ms: round(at(0.9)),
    p99Ms: round(at(0.99)),
    maxMs: round(latencies.at(-1) ?? 0),
    labels,
  };
}

/**
 * An open-loop HTTP load of a weighted mix of requests that logs every request (route,
 * status, latency, the answer's headers, the body of acknowledged writes), so a scenario can
 * judge exactly what its hypothesis says: which requests failed, which writes were
 * acknowledged, how long the slowest one waited. Plugs into the engine as a load factory.
 */
export class RequestMixLoad {
  readonly log: LoggedRequest[] = [];

  constructor(private readonly options: RequestMixOptions) {}

  /** The engine's `load` field. */
  readonly factory = (opts: StartLoadOptions): LoadRun => {
    // Weighted and shuffled per cycle with the run's seeded stream: no request type is tied to
    // a host by any balancer (see MixSchedule).
    const schedule = new MixSchedule(
      this.options.requests.map((r) => ({ item: r, weight: r.weight ?? 1 })),
      opts.rng.fork('request-mix').seed,
    );
    const pool = new Pool(this.options.baseUrl, { connections: 128, keepAliveTimeout: 4000, pipelining: 1 });
    const isOk = this.options.isOk ?? ((s: number) => s < 500);
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    // Aborted on emergency stop (the sender's `abort`) or when the run's signal aborts.
    const inFlight = new AbortController();
    const signal = AbortSignal.any([opts.signal, inFlight.signal]);
    const sender: LoadSender = {
      send: async (seq: number): Promise<LoadOutcome> => {
        const spec = schedule.at(seq);
        const method = spec.method ?? 'GET';
        const path = typeof spec.path === 'function' ? spec.path(seq) : spec.path;
        const headers = typeof spec.headers === 'function' ? spec.headers(seq) : (spec.headers ?? {});
        const body = typeof spec.body === 'function' ? (spec.body as (s: number) => unknown)(seq) : spec.body;
        const sentAt = performance.now();
        const entry = (
          status: number | null,
          label: string,
          ok: boolean,
          extra: Partial<LoggedRequest> = {},
        ) => {
          const doneAt = performance.now();
          this.log.push({
            seq,
            route: spec.name,
            method,
            sentAt,
            doneAt,
            latencyMs: doneAt - sentAt,
            status,
            label,
            ok,
            headers: {},
            ...extra,
          });
          return { ok, label };
        };
        try {
          const res = await pool.request({
            path,
            method,
            headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          });
          const text = await res.body.text();
          const ok = isOk(res.statusCode);
          let parsed: unknown;
          if (ok && (method === 'POST' || method === 'PUT') && res.statusCode < 300) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
          }
          return entry(res.statusCode, String(res.statusCode), ok, {
            headers: res.headers,
            ...(parsed === undefined ? {} : { body: parsed }),
            ...(ok ? {} : { errorBody: text.slice(0, 300) }),
          });
        } catch (err) {
          return entry(null, errorLabel(err), false);
        }
      },
      abort: () => inFlight.abort(),
      close: () => pool.close(),
    };
    return new OpenLoopRun(async () => sender, {
      rate: this.options.rate,
      durationMs: this.options.durationMs,
      maxRequests: Math.ceil((this.options.rate * this.options.durationMs) / 1000) + 10,
      maxInFlight: this.options.maxInFlight ?? 256,
      arrival: 'constant',
      rng: opts.rng,
      signal: opts.signal,
      origin: opts.origin,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  };

  /** Logged requests sent in [from, to) (performance.now() values), optionally of one route. */
  between(from: number, to: number, route?: string): LoggedRequest[] {
    return this.log.filter(
      (e) => e.sentAt >= from && e.sentAt < to && (route === undefined || e.route === route),
    );
  }

  /** Logged requests whose outcome came in [from, to): what a rolling "last second" probe wants. */
  completedBetween(from: number, to: number): LoggedRequest[] {
    return this.log.filter((e) => e.doneAt >= from && e.doneAt < to);
  }

  byRoute(route: string): LoggedRequest[] {
    return this.log.filter((e) => e.route === route);
  }
}
