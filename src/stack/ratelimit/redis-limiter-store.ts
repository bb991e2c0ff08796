import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import { gcra } from './gcra.js';
import type { LimiterStore, QuotaCheck } from './limiter-store.js';
import { LimiterStoreError } from './limiter-store-error.js';
import type { QuotaDecision } from './quota.js';
import type { RateLimitAlgorithm } from './rate-limit-algorithm.js';

export const redisLimiterStoreOptionsSchema = z
  .object({
    type: z.literal('redis').optional(),
    /**
     * Redis to share limits through; the path is the database number.
     * @default "redis://127.0.0.1:6379/0"
     */
    url: z.string().min(1).default('redis://127.0.0.1:6379/0'),
    /**
     * Prepended to every key, so that several limiters (or test runs) share one Redis.
     * @default "faultline:rl:"
     */
    keyPrefix: z.string().default('faultline:rl:'),
    /**
     * ioredis commandTimeout: a command unanswered after this long fails, in ms. The rate
     * limiter races it with its own timer of `timeoutMs` as well.
     * @default 50
     */
    commandTimeoutMs: z.number().int().min(1).default(50),
    /**
     * TCP connect timeout, in ms.
     * @default 1000
     */
    connectTimeoutMs: z.number().int().min(1).default(1000),
    /**
     * Longest pause between reconnect attempts while Redis is away, in ms (attempt n waits
     * min(n × 50, this)).
     * @default 500
     */
    maxReconnectDelayMs: z.number().int().min(1).default(500),
  })
  .strict();
export type RedisLimiterStoreOptions = z.input<typeof redisLimiterStoreOptionsSchema>;

/** Runs the algorithm's `step` over every key; writes all states (with PX TTLs) only if all admit. */
function scriptFor(algorithm: RateLimitAlgorithm): string {
  return `${algorithm.lua}
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local cost = tonumber(ARGV[2])
local out = {}
local writes = {}
local ok = 1
for i = 1, #KEYS do
  local base = 2 + (i - 1) * 3
  local raw = redis.call('GET', KEYS[i])
  local state = nil
  if raw then
    state = {}
    for v in string.gmatch(raw, '[^:]+') do state[#state + 1] = tonumber(v) end
  end
  local a, rem, reset, retry, ttl, s1, s2 = step(state, now, tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), cost)
  if a == 0 then ok = 0 end
  local value = string.format('%.17g', s1)
  if s2 then value = value .. ':' .. string.format('%.17g', s2) end
  writes[i] = { value, ttl }
  out[#out + 1] = a
  out[#out + 1] = rem
  out[#out + 1] = math.ceil(reset * 1000)
  out[#out + 1] = math.ceil(retry * 1000)
end
if ok == 1 then
  for i = 1, #KEYS do redis.call('SET', KEYS[i], writes[i][1], 'PX', writes[i][2]) end
end
return out
`;
}

/**
 * Limiter state in Redis, shared by every gateway instance. One decision is one EVALSHA of a
 * Lua script (read every key, decide, write all or nothing, each key with a PX TTL), so
 * instances never race. The script is loaded once (SCRIPT LOAD); a NOSCRIPT answer (Redis
 * restarted or flushed its script cache) loads it again and retries once.
 *
 * Time is Redis's own (TIME inside the script), so instances with skewed clocks agree; a
 * `clock` can be injected instead (tests). The connection never queues commands while Redis is
 * away (`enableOfflineQueue: false`): a decision then fails at once, and a hung Redis fails it
 * after `commandTimeoutMs`.
 */
export class RedisLimiterStore implements LimiterStore {
  readonly kind = 'redis';
  readonly redis: Redis;
  private readonly o: z.output<typeof redisLimiterStoreOptionsSchema>;
  private readonly script: string;
  private readonly sha: string;
  private loaded: Promise<unknown> | undefined;

  constructor(
    private readonly algorithm: RateLimitAlgorithm = gcra,
    options: RedisLimiterStoreOptions = {},
    private readonly clock?: Clock,
  ) {
    this.o = redisLimiterStoreOptionsSchema.parse(options);
    this.script = scriptFor(algorithm);
    this.sha = createHash('sha1').update(this.script).digest('hex');
    const maxDelay = this.o.maxReconnectDelayMs;
    this.redis = new Redis(this.o.url, {
      enableOfflineQueue: false,
      commandTimeout: this.o.commandTimeoutMs,
      connectTimeout: this.o.connectTimeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 50, maxDelay),
      lazyConnect: false,
      // No INFO ready check: under a short commandTimeout a slow INFO would fail every connect
      // and keep the store down for ever; the first EVALSHA tells whether Redis answers.
      enableReadyCheck: false,
    });
    // Errors surface on the decisions that fail; the limiter falls back on those.
    this.redis.on('error', () => {});
  }

  get algorithmName(): string {
    return this.algorithm.name;
  }

  get keyPrefix(): string {
    return this.o.keyPrefix;
  }

  /**
   * Resolves once connected, with the script loaded if Redis answered SCRIPT LOAD in time (else
   * the first decision loads it through the NOSCRIPT path).
   */
  async ready(): Promise<void> {
    if (this.redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const onReady = (): void => {
          this.redis.off('end', onEnd);
          resolve();
        };
        const onEnd = (): void => {
          this.redis.off('ready', onReady);
          reject(new LimiterStoreError('redis connection ended before ready'));
        };
        this.redis.once('ready', onReady);
        this.redis.once('end', onEnd);
      });
    }
    await this.load().catch(() => {});
  }

  async decide(checks: readonly QuotaCheck[], cost: number): Promise<QuotaDecision[]> {
    const keys: string[] = [];
    const args: (string | number)[] = [this.clock ? this.clock.now() : -1, cost];
    for (const c of checks) {
      keys.push(this.o.keyPrefix + c.key);
      args.push(c.quota.limit, c.quota.windowMs, c.quota.burst);
    }
    let raw: unknown;
    try {
      raw = await this.redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw new LimiterStoreError('redis decision failed', err);
      this.loaded = undefined;
      try {
        await this.load();
        raw = await this.redis.evalsha(this.sha, keys.length, ...keys, ...args);
      } catch (again) {
        throw new LimiterStoreError('redis decision failed', again);
      }
    }
    const out = raw as (number | string)[];
    const decisions: QuotaDecision[] = [];
    for (let i = 0; i < checks.length; i++) {
      const b = i * 4;
      decisions.push({
        allowed: Number(out[b]) === 1,
        limit: (checks[i] as QuotaCheck).quota.limit,
        remaining: Number(out[b + 1]),
        // Lua answers integers: times come back in µs.
        resetMs: Number(out[b + 2]) / 1000,
        retryAfterMs: Number(out[b + 3]) / 1000,
      });
    }
    return decisions;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private load(): Promise<unknown> {
    this.loaded ??= this.redis.script('LOAD', this.script).catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
