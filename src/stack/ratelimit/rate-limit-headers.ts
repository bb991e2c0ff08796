import type { ServerResponse } from 'node:http';
import type { RateLimitResult } from './rate-limit-result.js';

/** Whole seconds, rounded up, ignoring float noise (20000.000000004 ms is 20 s, not 21). */
export function ceilSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000 - 1e-6));
}

/** A Structured Field string (RFC 8941 §3.3.3): quoted, with `"` and `\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '')}"`;
}

/**
 * The response headers of draft-ietf-httpapi-ratelimit-headers-11 for one decision:
 *   RateLimit-Policy: "<policy>";q=<limit>;w=<window s>
 *   RateLimit: "<policy>";r=<remaining>;t=<seconds until the quota is whole>
 * plus Retry-After (RFC 9110 §10.2.3, delay-seconds) when the request was refused.
 * Header names are lower case (Node writes them as given).
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const name = sfString(result.policy);
  const headers: Record<string, string> = {
    'ratelimit-policy': `${name};q=${Math.max(0, Math.floor(result.limit))};w=${Math.max(1, ceilSeconds(result.windowMs))}`,
    ratelimit: `${name};r=${Math.max(0, Math.floor(result.remaining))};t=${ceilSeconds(result.resetMs)}`,
  };
  if (!result.allowed) headers['retry-after'] = String(Math.max(1, ceilSeconds(result.retryAfterMs)));
  return headers;
}

/**
 * Answers a refused request: 429 (503 when the limiter failed closed) with the rate-limit
 * headers and a JSON body `{"error","code","status"}`. For servers that use the limiter without
 * the gateway; the gateway answers through its own error writer with the same headers.
 */
export function sendRateLimited(res: ServerResponse, result: RateLimitResult): void {
  const status = result.source === 'fail-closed' ? 503 : 429;
  const code = status === 429 ? 'FL_RATE_LIMITED' : 'FL_RATELIMIT_UNAVAILABLE';
  const text = JSON.stringify({
    error: status === 429 ? `rate limit "${result.policy}" exceeded` : 'rate limiter unavailable',
    code,
    status,
  });
  res.writeHead(status, {
    ...rateLimitHeaders(result),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
