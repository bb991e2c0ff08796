import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A stored response (`kind: 'response'`), or the record of a response's `Vary` header names kept
 * at the primary key (`kind: 'vary'`): its variants live at secondary keys (see `HttpCache`).
 * Times are wall-clock epoch ms (entries are shared between processes), lifetimes in seconds.
 */
export interface CacheEntry {
  readonly kind: 'response' | 'vary';
  /** The key the entry was stored under; checked on read (an entry moved to another key fails). */
  readonly key: string;
  readonly status: number;
  /** Response headers as [lowercase name, value] pairs, hop-by-hop ones removed. */
  readonly headers: readonly (readonly [string, string])[];
  /** When the response was received, epoch ms. */
  readonly storedAt: number;
  /** The origin's `Age` at reception, s (RFC 9111 §4.2.3 corrected_initial_age). */
  readonly initialAge: number;
  /** Freshness lifetime, s (RFC 9111 §4.2.1). */
  readonly lifetime: number;
  /** RFC 5861 windows past the lifetime, s (0 when absent or not allowed). */
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  /** Lower-cased `Vary` names: on a vary record, the names; on a response, the names it varied on. */
  readonly vary: readonly string[];
  readonly body: Buffer;
}

/** Why a stored entry was refused. */
export type IntegrityFailure = 'format' | 'mac' | 'key' | 'size';

export class EntryRejected {
  constructor(readonly reason: IntegrityFailure) {}
}

const MAGIC = Buffer.from('FLC1');
const MAC_BYTES = 32;
const HEAD = MAGIC.length + MAC_BYTES + 4;

/**
 * The wire format of an entry, in every tier:
 * `"FLC1" | HMAC-SHA256 (32 bytes) | meta length (u32 BE) | meta JSON | body`. The HMAC covers
 * everything after itself: the meta (key, status, headers, times, body size) and the body.
 */
export class EntryCodec {
  private readonly secret: Buffer;
  /**
   * Entries already decoded and verified, by the very Buffer they came from. The memory tier hands
   * back the same Buffer on every hit, so its HMAC is checked once, when it is first read, not on
   * each hit (it was ~4 % of the gateway's CPU on cache hits). A shared tier (Redis) returns a new
   * Buffer per read, so every copy read from it is verified. Weak: an evicted entry's memo goes
   * with its Buffer.
   */
  private readonly verified = new WeakMap<Buffer, CacheEntry>();

  /**
   * @param secret HMAC key (≥ 16 bytes); every process sharing a tier needs the same one.
   * @param verify Check the HMAC, the key and the size on decode. `false` is a negative control
   *   only: a corrupted but parseable entry is then served.
   */
  constructor(
    secret: string | Buffer,
    readonly verify = true,
  ) {
    this.secret = Buffer.isBuffer(secret) ? secret : Buffer.from(secret);
  }

  encode(entry: CacheEntry): Buffer {
    const meta = Buffer.from(
      JSON.stringify({
        v: 1,
        kind: entry.kind,
        key: entry.key,
        status: entry.status,
        headers: entry.headers,
        storedAt: entry.storedAt,
        initialAge: entry.initialAge,
        lifetime: entry.lifetime,
        swr: entry.staleWhileRevalidate,
        sie: entry.staleIfError,
        vary: entry.vary,
        size: entry.body.length,
      }),
    );
    const out = Buffer.allocUnsafe(HEAD + meta.length + entry.body.length);
    MAGIC.copy(out, 0);
    out.writeUInt32BE(meta.length, MAGIC.length + MAC_BYTES);
    meta.copy(out, HEAD);
    entry.body.copy(out, HEAD + meta.length);
    const mac = createHmac('sha256', this.secret)
      .update(out.subarray(MAGIC.length + MAC_BYTES))
      .digest();
    mac.copy(out, MAGIC.length);
    return out;
  }

  /**
   * The entry stored under `key`, or why it must not be served. The same Buffer decoded again
   * under the same key returns the entry verified the first time (see `verified`).
   */
  decode(key: string, data: Buffer): CacheEntry | EntryRejected {
    const known = this.verified.get(data);
    if (known !== undefined && known.key === key) return known;
    const entry = this.decodeAndVerify(key, data);
    if (!(entry instanceof EntryRejected) && this.verify) this.verified.set(data, entry);
    return entry;
  }

  private decodeAndVerify(key: string, data: Buffer): CacheEntry | EntryRejected {
    if (data.length < HEAD || !data.subarray(0, MAGIC.length).equals(MAGIC))
      return new EntryRejected('format');
    if (this.verify) {
      const mac = createHmac('sha256', this.secret)
        .update(data.subarray(MAGIC.length + MAC_BYTES))
        .digest();
      if (!timingSafeEqual(mac, data.subarray(MAGIC.length, MAGIC.length + MAC_BYTES)))
        return new EntryRejected('mac');
    }
    const metaLength = data.readUInt32BE(MAGIC.length + MAC_BYTES);
    if (HEAD + metaLength > data.length) return new EntryRejected('format');
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(data.subarray(HEAD, HEAD + metaLength).toString('utf8')) as Record<string, unknown>;
    } catch {
      return new EntryRejected('format');
    }
    if (meta === null || typeof meta !== 'object' || meta.v !== 1) return new EntryRejected('format');
    const body = data.subarray(HEAD + metaLength);
    if (this.verify) {
      if (meta.key !== key) return new EntryRejected('key');
      if (meta.size !== body.length) return new EntryRejected('size');
    }
    if (!Array.isArray(meta.headers) || !Array.isArray(meta.vary) || typeof meta.status !== 'number')
      return new EntryRejected('format');
    return {
      kind: meta.kind === 'vary' ? 'vary' : 'response',
      key: String(meta.key),
      status: meta.status,
      headers: meta.headers as [string, string][],
      storedAt: Number(meta.storedAt),
      initialAge: Number(meta.initialAge),
      lifetime: Number(meta.lifetime),
      staleWhileRevalidate: Number(meta.swr),
      staleIfError: Number(meta.sie),
      vary: meta.vary as string[],
      body,
    };
  }
}
