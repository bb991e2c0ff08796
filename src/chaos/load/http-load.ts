import { Pool } from 'undici';
import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import type { LoadOutcome } from './load-recorder.js';
import type { LoadSender } from './open-loop-run.js';

/** Fields every load kind shares: how much, how fast, for how long. */
export const loadBoundsFields = {
  /** Arrivals per second (requests or messages). @example 200 */
  rate: z.number().positive().max(100_000),
  /** The schedule ends after this long. @default 10000 */
  duration_ms: z.number().int().positive().max(3_600_000).default(10_000),
  /** Hard cap on arrivals. @default rate × duration */
  max_requests: z.number().int().positive().optional(),
  /** Per request (HTTP) or per reply (ws). @default 5000 */
  timeout_ms: z.number().int().positive().max(600_000).default(5000),
  /** Arrivals over this many in flight are counted as `dropped`, never delayed. @default 1024 */
  max_in_flight: z.number().int().positive().max(100_000).default(1024),
  /** `constant` spacing, or `poisson` (exponential gaps drawn from the seed, same mean rate). @default 'constant' */
  arrival: z.enum(['constant', 'poisson']).default('constant'),
};

export const httpLoadSchema = z.object({
  kind: z.literal('http'),
  /** @example 'http://127.0.0.1:8080/items' */
  url: z.string().url(),
  /** @default 'GET' */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  /** @default {} */
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body: z.unknown().optional(),
  ...loadBoundsFields,
  /** Connections to the target (undici pool); requests beyond wait in the pool, and that wait counts as latency. @default 64 */
  connections: z.number().int().positive().max(10_000).default(64),
  /**
   * Send a unique idempotency key with each request (values from the seed). Retries are
   * always off: a load generator that retries hides the failures it should count.
   * @default false
   */
  idempotency: z
    .union([
      z.literal(false),
      z.object({ /** @default 'Idempotency-Key' */ header: z.string().default('Idempotency-Key') }),
    ])
    .default(false),
  /** Statuses from this one up count as errors. @default 500 */
  error_status_from: z.number().int().min(100).max(600).default(500),
});
export type HttpLoadSpec = z.output<typeof httpLoadSchema>;

/** One undici pool to the target; every request carries its own timeout. No retries. */
export class HttpLoadSender implements LoadSender {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly body: string | undefined;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly spec: HttpLoadSpec,
    private readonly rng: SeededRandom,
  ) {
    const url = new URL(spec.url);
    this.path = url.pathname + url.search;
    this.pool = new Pool(url.origin, {
      connections: spec.connections,
      pipelining: 1,
      headersTimeout: spec.timeout_ms,
      bodyTimeout: spec.timeout_ms,
    });
    this.headers = { ...spec.headers };
    if (spec.body === undefined || typeof spec.body === 'string') this.body = spec.body;
    else {
      this.body = JSON.stringify(spec.body);
      this.headers['content-type'] ??= 'application/json';
    }
  }

  async send(_seq: number): Promise<LoadOutcome> {
    const headers = this.spec.idempotency
      ? { ...this.headers, [this.spec.idempotency.header]: this.key() }
      : this.headers;
    const res = await this.pool.request({
      path: this.path,
      method: this.spec.method,
      headers,
      body: this.body,
      signal: AbortSignal.timeout(this.spec.timeout_ms),
    });
    // Latency includes the body: a response is not done until it has all arrived.
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    return { ok: res.statusCode < this.spec.error_status_from, label: String(res.statusCode) };
  }

  abort(): void {
    this.pool.destroy().catch(() => {});
  }

  async close(): Promise<void> {
    if (!this.pool.destroyed) await this.pool.destroy();
  }

  private key(): string {
    const hex = () =>
      Math.floor(this.rng.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return `${hex()}${hex()}-${hex()}${hex()}`;
  }
}
