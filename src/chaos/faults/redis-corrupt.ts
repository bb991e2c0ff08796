import { Redis } from 'ioredis';
import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import { redactUrl } from '../../common/text.js';
import { FaultConfigError, FaultRefusedError } from './errors.js';
import type { Fault, FaultContext } from './fault.js';

export const redisCorruptFaultSchema = z.object({
  kind: z.literal('redis.corrupt'),
  /** @default 'redis.corrupt' */
  name: z.string().min(1).default('redis.corrupt'),
  /** @default 'redis://127.0.0.1:6379' */
  url: z.string().default('redis://127.0.0.1:6379'),
  /** Database number; overrides the one in `url`. @default the url's, else 0 */
  db: z.number().int().min(0).max(15).optional(),
  /** Glob of the keys to corrupt (SCAN MATCH; KEYS is never used). @example 'exp42:cache:*' */
  pattern: z.string().min(1),
  /**
   * What the experiment owns. The fault refuses unless the database is `owned.db`, or the
   * pattern's literal start lies inside `owned.prefix`.
   */
  owned: z
    .object({ db: z.number().int().min(0).max(15).optional(), prefix: z.string().min(1).optional() })
    .refine((o) => o.db !== undefined || o.prefix !== undefined, {
      message: 'give owned.db or owned.prefix',
    }),
  /**
   * `overwrite`: replace with `value` (default: random bytes, same length).
   * `truncate`: keep the first `keep_ratio` of the bytes.
   * `poison`: replace with `poison` (default: JSON cut short, so parsers throw).
   */
  mode: z.enum(['overwrite', 'truncate', 'poison']),
  value: z.string().optional(),
  /** @default 0.5 */
  keep_ratio: z.number().min(0).max(1).default(0.5),
  /** @default '{"__faultline_poison__":' */
  poison: z.string().default('{"__faultline_poison__":'),
  /** Chance that each matching key is corrupted (drawn from the seed). @default 1 */
  fraction: z.number().min(0).max(1).default(1),
  /** At most this many keys. @default 1000 */
  max_keys: z.number().int().positive().max(1_000_000).default(1000),
  /** SCAN COUNT hint. @default 100 */
  scan_count: z.number().int().positive().default(100),
  /**
   * `if_unchanged`: revert restores a key only if it still holds our corrupt value (the app
   * may have healed or rewritten it since). `always`: restore regardless.
   * @default 'if_unchanged'
   */
  restore: z.enum(['if_unchanged', 'always']).default('if_unchanged'),
});
export type RedisCorruptFaultSpec = z.output<typeof redisCorruptFaultSchema>;

// Atomic compare-and-set, keeping the TTL: the key is only touched if it still holds what we read.
const SET_IF_EQUAL = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return 1 end
return 0`;
const RESTORE_ALWAYS = `
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
elseif ttl == -1 then redis.call('SET', KEYS[1], ARGV[1])
else return 0 end
return 1`;

interface Corrupted {
  key: Buffer;
  original: Buffer;
  written: Buffer;
  /** ms TTL when read (-1 none), and when. */
  ttl: number;
  at: number;
}

/**
 * Redis corruption for cache-poisoning scenarios: overwrite, truncate or poison string
 * values whose keys match a pattern, only inside a database or key prefix the experiment
 * owns. Originals are kept in memory and written back on revert.
 */
export class RedisCorruptFault implements Fault {
  readonly kind = 'redis.corrupt';
  readonly name: string;
  readonly target: string;
  readonly params: Record<string, unknown>;
  private readonly db: number;
  private corrupted: Corrupted[] = [];
  private skippedCount = 0;

  constructor(private readonly spec: RedisCorruptFaultSpec) {
    this.name = spec.name;
    this.db = spec.db ?? dbFromUrl(spec.url);
    checkOwnership(spec, this.db);
    this.target = `${redactUrl(spec.url, { hostOnly: true })} db ${this.db} ${spec.pattern}`;
    this.params = {
      pattern: spec.pattern,
      db: this.db,
      mode: spec.mode,
      fraction: spec.fraction,
      max_keys: spec.max_keys,
      owned: spec.owned,
    };
  }

  /** Keys corrupted by the last inject. */
  get keys(): string[] {
    return this.corrupted.map((c) => c.key.toString());
  }

  /** Matching keys left alone (not strings, or not drawn). */
  get skipped(): number {
    return this.skippedCount;
  }

  async inject(ctx: FaultContext): Promise<void> {
    if (this.corrupted.length > 0) return;
    const redis = this.connect();
    try {
      let cursor = '0';
      do {
        ctx.signal.throwIfAborted();
        const [next, keys] = await redis.scanBuffer(
          cursor,
          'MATCH',
          this.spec.pattern,
          'COUNT',
          this.spec.scan_count,
        );
        cursor = next.toString();
        for (const key of keys) {
          if (this.corrupted.length >= this.spec.max_keys) break;
          if (!this.owns(key) || !ctx.rng.chance(this.spec.fraction)) {
            this.skippedCount++;
            continue;
          }
          await this.corruptOne(redis, key, ctx.rng);
        }
      } while (cursor !== '0' && this.corrupted.length < this.spec.max_keys);
    } finally {
      redis.disconnect();
    }
  }

  async revert(): Promise<void> {
    const corrupted = this.corrupted;
    if (corrupted.length === 0) return;
    const redis = this.connect();
    try {
      for (const c of corrupted) {
        if (this.spec.restore === 'if_unchanged') {
          await redis.eval(SET_IF_EQUAL, 1, c.key, c.written, c.original);
        } else {
          const ttl = c.ttl === -1 ? -1 : Math.max(-2, Math.round(c.ttl - (performance.now() - c.at)));
          await redis.eval(RESTORE_ALWAYS, 1, c.key, c.original, ttl <= 0 && ttl !== -1 ? -2 : ttl);
        }
      }
      this.corrupted = [];
    } finally {
      redis.disconnect();
    }
  }

  private connect(): Redis {
    return new Redis(this.spec.url, { db: this.db, maxRetriesPerRequest: 1, lazyConnect: false });
  }

  /** Defence in depth: a key outside the owned prefix is never touched, whatever the pattern. */
  private owns(key: Buffer): boolean {
    const { db, prefix } = this.spec.owned;
    if (db !== undefined && db === this.db) return true;
    return prefix !== undefined && key.subarray(0, Buffer.byteLength(prefix)).equals(Buffer.from(prefix));
  }

  private async corruptOne(redis: Redis, key: Buffer, rng: SeededRandom): Promise<void> {
    if ((await redis.type(key)) !== 'string') {
      this.skippedCount++;
      return;
    }
    const original = await redis.getBuffer(key);
    if (original === null) return;
    const ttl = await redis.pttl(key);
    const written = this.corruptValue(original, rng);
    if (written.equals(original)) return;
    const changed = await redis.eval(SET_IF_EQUAL, 1, key, original, written);
    if (changed === 1) this.corrupted.push({ key, original, written, ttl, at: performance.now() });
  }

  private corruptValue(original: Buffer, rng: SeededRandom): Buffer {
    switch (this.spec.mode) {
      case 'truncate':
        return original.subarray(0, Math.floor(original.length * this.spec.keep_ratio));
      case 'poison':
        return Buffer.from(this.spec.poison);
      case 'overwrite': {
        if (this.spec.value !== undefined) return Buffer.from(this.spec.value);
        const bytes = Buffer.alloc(Math.max(1, original.length));
        for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
        return bytes;
      }
    }
  }
}

function dbFromUrl(url: string): number {
  try {
    const path = new URL(url).pathname.replace(/^\//, '');
    return path === '' ? 0 : Number.parseInt(path, 10) || 0;
  } catch {
    throw new FaultConfigError(`invalid Redis URL: ${url}`);
  }
}

/** The literal start of a glob: everything before the first *, ?, [ or backslash. */
function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[\\]/);
  return i === -1 ? pattern : pattern.slice(0, i);
}

function checkOwnership(spec: RedisCorruptFaultSpec, db: number): void {
  const { owned } = spec;
  if (owned.db !== undefined && owned.db === db) return;
  if (owned.prefix !== undefined && literalPrefix(spec.pattern).startsWith(owned.prefix)) return;
  throw new FaultRefusedError(
    `fault "${spec.name}": pattern "${spec.pattern}" in db ${db} is outside what the experiment owns` +
      ` (${owned.db !== undefined ? `db ${owned.db}` : ''}${owned.db !== undefined && owned.prefix ? ', ' : ''}` +
      `${owned.prefix !== undefined ? `prefix "${owned.prefix}"` : ''})`,
  );
}
