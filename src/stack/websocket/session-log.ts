import { Redis } from 'ioredis';

// Every mutating script is fenced on `owner`: once another instance has claimed a session, the old
// owner's writes fail (-1) instead of interleaving, so a takeover never loses or duplicates a message.
// ARGV: owner, maxLen, ttlMs, then (data, binary flag) per message; returns the first offset.
const APPEND = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local first = n + 1
for i = 4, #ARGV, 2 do
  n = n + 1
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-' .. n, 'd', ARGV[i], 'b', ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'seq', n)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return first
`;
// Client ids only grow: raise cin to ARGV[2] and return its previous value (ids above it are new).
const TAKE_CLIENT_MESSAGES = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -1 end
local cin = tonumber(redis.call('HGET', KEYS[1], 'cin'))
if tonumber(ARGV[2]) > cin then redis.call('HSET', KEYS[1], 'cin', ARGV[2]) end
return cin
`;
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return redis.call('HMGET', KEYS[1], 'seq', 'cin')
`;
const TOUCH = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;
const END = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -1 end
return redis.call('DEL', KEYS[1], KEYS[2])
`;

interface LogCommands {
  flAppend(
    meta: string,
    log: string,
    owner: string,
    data: Buffer,
    maxLen: number,
    ttlMs: number,
    bin: string,
  ): Promise<number>;
  flTake(meta: string, log: string, owner: string, cid: number): Promise<number>;
  flClaim(meta: string, log: string, owner: string, ttlMs: number): Promise<[string, string] | null>;
  flTouch(meta: string, log: string, owner: string, ttlMs: number): Promise<number>;
  flEnd(meta: string, log: string, owner: string): Promise<number>;
}

/** One logged upstream message. */
export interface LoggedMessage {
  n: number;
  data: Buffer;
  binary: boolean;
}

export interface SessionLogOptions {
  redisUrl: string;
  keyPrefix: string;
  /** Key TTL, in ms (the resume window). */
  ttlMs: number;
  maxLogMessages: number;
  commandTimeoutMs: number;
}

/**
 * The sessions' state in Redis: a hash `<prefix>{sid}:meta` (owner instance, `seq` = last upstream
 * message offset, `cin` = last client message id taken) and a stream `<prefix>{sid}:log` whose entry
 * ids are `0-<seq>` (XADD MAXLEN ~, both keys with a PEXPIRE of the resume window). Each operation
 * is one Lua round trip, loaded once (EVALSHA).
 */
export class SessionLog {
  private readonly redis: Redis & LogCommands;

  constructor(private readonly options: SessionLogOptions) {
    const redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs,
      enableAutoPipelining: true,
    });
    redis.on('error', () => {
      // Connection errors surface on the commands that fail.
    });
    redis.defineCommand('flAppend', { numberOfKeys: 2, lua: APPEND });
    redis.defineCommand('flTake', { numberOfKeys: 2, lua: TAKE_CLIENT_MESSAGES });
    redis.defineCommand('flClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('flTouch', { numberOfKeys: 2, lua: TOUCH });
    redis.defineCommand('flEnd', { numberOfKeys: 2, lua: END });
    this.redis = redis as Redis & LogCommands;
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  private keys(sid: string): [string, string] {
    const base = `${this.options.keyPrefix}{${sid}}`;
    return [`${base}:meta`, `${base}:log`];
  }

  /** Creates a session owned by `owner`. */
  async create(sid: string, owner: string): Promise<void> {
    const [meta] = this.keys(sid);
    await this.redis
      .multi()
      .hset(meta, 'owner', owner, 'seq', '0', 'cin', '0')
      .pexpire(meta, this.options.ttlMs)
      .exec();
  }

  /** Makes `owner` the session's owner; its `seq` and `cin`, or undefined if it expired or ended. */
  async claim(sid: string, owner: string): Promise<{ seq: number; cin: number } | undefined> {
    const [meta, log] = this.keys(sid);
    const r = await this.redis.flClaim(meta, log, owner, this.options.ttlMs);
    return r ? { seq: Number(r[0]), cin: Number(r[1]) } : undefined;
  }

  /**
   * Logs upstream messages, in order, in one round trip; the offset of the first (the others follow
   * it by one each), or -1 if `owner` no longer owns the session.
   */
  append(
    sid: string,
    owner: string,
    messages: readonly { data: Buffer; binary: boolean }[],
  ): Promise<number> {
    const [meta, log] = this.keys(sid);
    const argv: (Buffer | string)[] = [];
    for (const m of messages) argv.push(m.data, m.binary ? '1' : '0');
    const args: (Buffer | string | number)[] = [
      meta,
      log,
      owner,
      this.options.maxLogMessages,
      this.options.ttlMs,
    ];
    const flAppend = this.redis.flAppend as (...a: (Buffer | string | number)[]) => Promise<number>;
    return flAppend.apply(this.redis, args.concat(argv));
  }

  /**
   * Takes client message ids up to `maxCid`: returns the highest id taken before (ids above it are
   * new, the others repeats), or -1 if `owner` no longer owns the session.
   */
  takeClientMessages(sid: string, owner: string, maxCid: number): Promise<number> {
    const [meta, log] = this.keys(sid);
    return this.redis.flTake(meta, log, owner, maxCid);
  }

  /** Logged messages with offset > `after`, in order, at most `count`. */
  async range(sid: string, after: number, count: number): Promise<LoggedMessage[]> {
    const [, log] = this.keys(sid);
    const entries = await this.redis.xrangeBuffer(log, `0-${after + 1}`, '+', 'COUNT', count);
    return entries.map(([id, fields]) => {
      let data: Buffer = Buffer.alloc(0);
      let binary = false;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const k = (fields[i] as Buffer).toString();
        if (k === 'd') data = fields[i + 1] as Buffer;
        else if (k === 'b') binary = (fields[i + 1] as Buffer).toString() === '1';
      }
      return { n: Number(id.toString().slice(2)), data, binary };
    });
  }

  /** Refreshes the TTL (a connected session stays resumable); false if no longer the owner. */
  async touch(sid: string, owner: string): Promise<boolean> {
    const [meta, log] = this.keys(sid);
    return (await this.redis.flTouch(meta, log, owner, this.options.ttlMs)) === 1;
  }

  /** Deletes the session if `owner` still owns it. */
  async end(sid: string, owner: string): Promise<void> {
    const [meta, log] = this.keys(sid);
    await this.redis.flEnd(meta, log, owner);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
