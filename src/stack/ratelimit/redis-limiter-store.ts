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

/**
 * The decision script: the algorithm's `step` over every key; all states are written (SET with
 * a PX TTL) only if every key admits. ARGV: now in ms (negative: Redis TIME), cost, then limit,
 * window ms and burst per key. Replies 4 integers per key: allowed, remaining, reset µs,
 * retry µs. One key (the common case) takes a path without tables or loops.
 */
function scriptFor(algorithm: RateLimitAlgorithm): string {
  return `${algorithm.lua}
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local cost = tonumber(ARGV[2])
if #KEYS == 1 then
  local a, rem, reset, retry, ttl, s1, s2 = step(redis.call('GET', KEYS[1]), now, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), cost)
  if a == 1 then redis.call('SET', KEYS[1], encode(s1, s2), 'PX', ttl) end
  return { a, rem, math.ceil(reset * 1000), math.ceil(retry * 1000) }
end
local out = {}
local values = {}
local ttls = {}
local ok = 1
for i = 1, #KEYS do
  local base = 2 + (i - 1) * 3
  local a, rem, reset, retry, ttl, s1, s2 = step(redis.call('GET', KEYS[i]), now, tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), cost)
  if a == 0 then
    ok = 0
  elseif ok == 1 then
    values[i] = encode(s1, s2)
    ttls[i] = ttl
  end
  local b = (i - 1) * 4
  out[b + 1] = a
  out[b + 2] = rem
  out[b + 3] = math.ceil(reset * 1000)
  out[b + 4] = math.ceil(retry * 1000)
end
if ok == 1 then
  for i = 1, #KEYS do redis.call('SET', KEYS[i], values[i], 'PX', ttls[i]) end
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
  private corked = false;
  private corkedCount = 0;
  private corkedStream: { cork(): void; uncork(): void } | undefined;

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
    this.coalesceWrites();
    const args: (string | number)[] = [this.sha, checks.length];
    for (const c of checks) args.push(this.o.keyPrefix + c.key);
    args.push(this.clock ? this.clock.now() : -1, cost);
    for (const c of checks) args.push(c.quota.limit, c.quota.windowMs, c.quota.burst);
    let out: number[];
    try {
      out = (await this.redis.evalsha(...(args as [string, number]))) as number[];
    } catch (err) {
      if (!isNoScript(err)) throw new LimiterStoreError('redis decision failed', err);
      this.loaded = undefined;
      try {
        await this.load();
        out = (await this.redis.evalsha(...(args as [string, number]))) as number[];
      } catch (again) {
        throw new LimiterStoreError('redis decision failed', again);
      }
    }
    // Integer replies arrive as numbers; times come back in µs.
    const decisions: QuotaDecision[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const b = i * 4;
      decisions[i] = {
        allowed: out[b] === 1,
        limit: (checks[i] as QuotaCheck).quota.limit,
        remaining: out[b + 1] as number,
        resetMs: (out[b + 2] as number) / 1000,
        retryAfterMs: (out[b + 3] as number) / 1000,
      };
    }
    return decisions;
  }

  /**
   * Corks the socket until the end of this tick (or WRITE_BATCH decisions), so that the
   * decisions started in one tick, typically the continuations of the replies of one read,
   * leave in a few writes instead of one syscall each. Each decision is still its own EVALSHA
   * with its own reply and timeout: this only coalesces the bytes on the socket.
   */
  private coalesceWrites(): void {
    if (this.corked) {
      if (++this.corkedCount < WRITE_BATCH) return;
      // Flush a full batch now, so that Redis works on it while this process builds the next.
      this.corkedStream?.uncork();
      this.corkedStream?.cork();
      this.corkedCount = 1;
      return;
    }
    const stream = this.redis.stream;
    if (!stream || this.redis.status !== 'ready') return;
    this.corked = true;
    this.corkedCount = 1;
    this.corkedStream = stream;
    stream.cork();
    process.nextTick(this.uncork);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.corkedStream?.uncork();
    this.corkedStream = undefined;
  };

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

/**
 * Most decisions a corked socket holds before it is flushed mid-tick. Measured on the bench
 * (64 in flight): one flush per tick made Node and Redis take turns (0.6–0.9× rate-limiter-
 * flexible's decisions/s), a syscall per decision spent the most CPU (0.5–0.6×), 16 was best.
 */
const WRITE_BATCH = 16;

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
