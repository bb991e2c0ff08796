import { z } from 'zod';
import { ProxyApiError } from './errors.js';

/**
 * Request bodies of the proxy API and entries of a `--config` file. Validation is two-phase
 * like Toxiproxy's: the wrapper here, then (for toxics) the attributes of the now-known type
 * from the toxic registry. Messages follow Toxiproxy's (`missing required field: name`).
 */

const nonNegativeInt = (what: string) =>
  z
    .number({ error: `${what} must be a non-negative integer` })
    .int({ error: `${what} must be a non-negative integer` })
    .min(0, { error: `${what} must be a non-negative integer` });

export const toxicInputSchema = z.object({
  /** Unique per proxy. @default "<type>_<stream>" */
  name: z.string({ error: 'name must be a string' }).optional(),
  /** A registered toxic type (see docs/proxy.md). */
  type: z.string({ error: 'type must be a string' }).optional(),
  /** `upstream` (client→server) or `downstream` (server→client). @default "downstream" (http_* toxics: "upstream") */
  stream: z.string({ error: 'stream must be a string' }).optional(),
  /** Probability that the toxic acts on a connection (http_* toxics: on a request). @default 1 */
  toxicity: z
    .number({ error: 'toxicity must be a number between 0 and 1' })
    .min(0, { error: 'toxicity must be a number between 0 and 1' })
    .max(1, { error: 'toxicity must be a number between 0 and 1' })
    .optional(),
  /** Type-specific attributes; missing ones take their defaults. @default {} */
  attributes: z.record(z.string(), z.unknown(), { error: 'attributes must be an object' }).optional(),
  /** Faultline: remove the toxic this many ms after it becomes active. */
  duration_ms: nonNegativeInt('duration_ms').optional(),
  /** Faultline: the toxic is listed at once but acts only after this many ms. @default 0 */
  start_after_ms: nonNegativeInt('start_after_ms').optional(),
  /** Faultline: id of a lease (POST /leases); the toxic is removed when the lease expires. */
  lease: z.string({ error: 'lease must be a string' }).optional(),
});
export type ToxicInput = z.input<typeof toxicInputSchema>;

export const toxicUpdateSchema = z.object({
  /** Merged over the current attributes. */
  attributes: z.record(z.string(), z.unknown(), { error: 'attributes must be an object' }).optional(),
  toxicity: toxicInputSchema.shape.toxicity,
});
export type ToxicUpdate = z.input<typeof toxicUpdateSchema>;

export const proxyInputSchema = z.object({
  /** Unique name of the proxy (required). */
  name: z.string({ error: 'name must be a string' }).optional(),
  /** Address to listen on, `host:port`; port 0 picks a free port. @default "127.0.0.1:0" */
  listen: z.string({ error: 'listen must be a string' }).optional(),
  /** Address to forward to, `host:port` (required). */
  upstream: z.string({ error: 'upstream must be a string' }).optional(),
  /** Whether the proxy accepts connections. @default true */
  enabled: z.boolean({ error: 'enabled must be a boolean' }).optional(),
  /** Faultline: toxics created with the proxy, all or nothing. @default [] */
  toxics: z.array(z.unknown(), { error: 'toxics must be an array' }).optional(),
});
export type ProxyInput = z.input<typeof proxyInputSchema> & { toxics?: ToxicInput[] };

export const proxyUpdateSchema = proxyInputSchema.pick({ listen: true, upstream: true, enabled: true });
export type ProxyUpdate = z.input<typeof proxyUpdateSchema>;

export const leaseInputSchema = z.object({
  /** Time to live in milliseconds; the lease expires unless renewed within it. */
  ttl_ms: z
    .number({ error: 'ttl_ms must be a positive integer' })
    .int({ error: 'ttl_ms must be a positive integer' })
    .min(1, { error: 'ttl_ms must be a positive integer' }),
});
export const leaseRenewSchema = leaseInputSchema.partial();

/** Parses with `schema`; failures become `bad request body: <path>: <message>` (400). */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProxyApiError('badRequestBody', `${prefix}expected a JSON object`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ProxyApiError('badRequestBody', prefix + describeIssue(result.error.issues[0]));
}

/** One zod issue as `path: message`, or just the message when it already names its field. */
export function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'invalid';
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
  const field = String(issue.path.at(-1) ?? '');
  if (path === '' || issue.message.startsWith(`${field} `)) return issue.message;
  return `${path.replace(/\.\[/g, '[')}: ${issue.message}`;
}
