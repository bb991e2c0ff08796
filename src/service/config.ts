import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../common/errors.js';

const booleanish = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])])
  .transform((v) => (typeof v === 'boolean' ? v : ['1', 'true', 'yes', 'on'].includes(v)));

/**
 * The reference service's configuration. Every field can be set by an environment variable
 * (the name in capitals: `PORT`, `INSTANCE_ID`, …) or a flag (`--port`, `--instance-id`, …);
 * flags win.
 */
export const serviceConfigSchema = z.object({
  /**
   * TCP port; 0 picks a free one, announced on stdout as `{"event":"listening","port":N}`.
   * @default 0
   */
  port: z.coerce.number().int().min(0).max(65535).default(0),
  /** @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Name this instance reports in `X-Instance-Id` and `/admin/stats`.
   * @default 'service-<pid>'
   */
  instanceId: z.string().min(1).max(200).optional(),
  /**
   * Postgres connection string; when set, items live in the `items` table (created if missing).
   * @example 'postgres://postgres@127.0.0.1:5546/postgres'
   */
  databaseUrl: z.string().url().optional(),
  /**
   * Redis connection string; when set (and no `databaseUrl`), items live in Redis hashes.
   * @example 'redis://127.0.0.1:6390/0'
   */
  redisUrl: z.string().url().optional(),
  /**
   * Prefix of every Redis key, so that several stacks can share one Redis.
   * @default 'faultline:items:'
   */
  redisKeyPrefix: z.string().default('faultline:items:'),
  /**
   * The "external" dependency `GET /dependency` calls. While `chaosMockExternal` is on it must
   * be a loopback URL; when it is unset, the service starts a local stub in-process.
   */
  externalUrl: z.string().url().optional(),
  /**
   * Keep the external dependency local: refuse a non-loopback `externalUrl`, and stub it when unset.
   * @default true
   */
  chaosMockExternal: booleanish.default(true),
  /**
   * How long `GET /dependency` waits for the dependency before answering 504.
   * @default 2000
   */
  dependencyTimeoutMs: z.coerce.number().int().min(1).max(600_000).default(2000),
  /**
   * On SIGTERM, how long in-flight requests may take before the process exits anyway.
   * @default 5000
   */
  shutdownTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(5000),
  /**
   * Idle keep-alive time of client connections; above undici's 4 s so that the server never
   * closes a socket the gateway is about to reuse.
   * @default 10000
   */
  keepAliveTimeoutMs: z.coerce.number().int().min(0).default(10_000),
  /**
   * Capacity: at most this many requests in progress at once; one more is answered 503
   * `FL_SERVICE_OVERLOADED` with `Retry-After: 1` at once (load shedding, as a server with a fixed
   * worker pool). Health checks (`/healthz`) and `/admin/*` are never shed. 0 = no limit.
   * @default 0
   */
  maxInFlight: z.coerce.number().int().min(0).max(100_000).default(0),
  /**
   * Negative control only: acknowledge a create at once and store it this many ms later (a
   * write-behind buffer, lost if the process dies). 0 = acknowledge only what is stored.
   * @default 0
   */
  ackBeforeStoreMs: z.coerce.number().int().min(0).max(600_000).default(0),
  /**
   * Negative control only: ignore the Idempotency-Key header, so a retried create is stored again.
   * @default false
   */
  ignoreIdempotencyKey: booleanish.default(false),
  /**
   * pino level for the process logger (stderr).
   * @default 'warn'
   */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;

const envNames: Record<keyof ServiceConfig, string> = {
  port: 'PORT',
  host: 'HOST',
  instanceId: 'INSTANCE_ID',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  redisKeyPrefix: 'REDIS_KEY_PREFIX',
  externalUrl: 'EXTERNAL_URL',
  chaosMockExternal: 'CHAOS_MOCK_EXTERNAL',
  dependencyTimeoutMs: 'DEPENDENCY_TIMEOUT_MS',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS',
  maxInFlight: 'MAX_IN_FLIGHT',
  ackBeforeStoreMs: 'ACK_BEFORE_STORE_MS',
  ignoreIdempotencyKey: 'IGNORE_IDEMPOTENCY_KEY',
  logLevel: 'LOG_LEVEL',
};

const flagNames: Record<keyof ServiceConfig, string> = {
  port: 'port',
  host: 'host',
  instanceId: 'instance-id',
  databaseUrl: 'database-url',
  redisUrl: 'redis-url',
  redisKeyPrefix: 'redis-key-prefix',
  externalUrl: 'external-url',
  chaosMockExternal: 'chaos-mock-external',
  dependencyTimeoutMs: 'dependency-timeout-ms',
  shutdownTimeoutMs: 'shutdown-timeout-ms',
  keepAliveTimeoutMs: 'keep-alive-timeout-ms',
  maxInFlight: 'max-in-flight',
  ackBeforeStoreMs: 'ack-before-store-ms',
  ignoreIdempotencyKey: 'ignore-idempotency-key',
  logLevel: 'log-level',
};

/** Parses a config object once, at the edge; errors name the offending key. */
export function parseServiceConfig(input: ServiceConfigInput): ServiceConfig {
  const result = serviceConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path.join('.') || 'config';
    const name = envNames[key as keyof ServiceConfig] ?? key;
    throw new UsageError(`invalid service config ${name}: ${issue?.message ?? 'invalid'}`, {
      code: 'FL_SERVICE_CONFIG',
    });
  }
  const config = result.data;
  if (config.chaosMockExternal && config.externalUrl && !isLoopbackUrl(config.externalUrl)) {
    throw new UsageError(
      `invalid service config EXTERNAL_URL: ${config.externalUrl} is not a loopback address while CHAOS_MOCK_EXTERNAL is on`,
      { code: 'FL_SERVICE_CONFIG' },
    );
  }
  return config;
}

/** Reads the config from environment variables, then command-line flags (flags win). */
export function serviceConfigFromProcess(env: NodeJS.ProcessEnv, argv: string[]): ServiceConfig {
  const input: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(envNames)) {
    const value = env[envName];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const options = Object.fromEntries(
    Object.values(flagNames).map((flag) => [flag, { type: 'string' as const }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | undefined
    >;
  } catch (err) {
    throw new UsageError(`reference service: ${(err as Error).message}`, { code: 'FL_SERVICE_CONFIG' });
  }
  for (const [key, flag] of Object.entries(flagNames)) {
    const value = values[flag];
    if (value !== undefined) input[key] = value;
  }
  return parseServiceConfig(input as ServiceConfigInput);
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
