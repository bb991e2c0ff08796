import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { z } from 'zod';
import type { Probe, ProbeContext } from './probe.js';

export const httpProbeSpecSchema = z.strictObject({
  type: z.literal('http'),
  /** @example "http://127.0.0.1:8080/health" */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** @default "GET" */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  /** @default {} */
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
  /** @default 5000 */
  timeout_ms: z.number().int().positive().default(5000),
  /**
   * What the probe returns for the tolerance: the status code, the latency in ms, the body text,
   * the body parsed as JSON, or the whole `{status, latency_ms, headers, body, json}`.
   * @default "status"
   */
  value: z.enum(['status', 'latency_ms', 'body', 'json', 'response']).default('status'),
});
export type HttpProbeSpec = z.output<typeof httpProbeSpecSchema>;

export interface HttpResponseValue {
  status: number;
  latency_ms: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

/** One HTTP request; the latency covers the whole body. A connection error makes the probe fail. */
export class HttpProbe implements Probe {
  readonly type = 'http';

  constructor(readonly spec: HttpProbeSpec) {}

  async run(ctx: ProbeContext): Promise<unknown> {
    const { spec } = this;
    const started = performance.now();
    const body =
      spec.body === undefined
        ? undefined
        : typeof spec.body === 'string'
          ? spec.body
          : JSON.stringify(spec.body);
    const headers = { ...spec.headers };
    if (body !== undefined && typeof spec.body !== 'string' && !hasHeader(headers, 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const res = await request(spec.url, {
      method: spec.method,
      headers,
      body,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(spec.timeout_ms)]),
    });
    const text = await res.body.text();
    const response: HttpResponseValue = {
      status: res.statusCode,
      latency_ms: performance.now() - started,
      headers: Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      ),
      body: text,
      json: parseJson(text),
    };
    return spec.value === 'response' ? response : response[spec.value];
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
