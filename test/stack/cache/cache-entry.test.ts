import { describe, expect, it } from 'vitest';
import { type CacheEntry, EntryCodec, EntryRejected } from '../../../src/stack/cache/cache-entry.js';

const entry: CacheEntry = {
  kind: 'response',
  key: 'GET http://h/a',
  status: 200,
  headers: [
    ['content-type', 'text/plain'],
    ['x-a', '1'],
  ],
  storedAt: 1_700_000_000_000,
  initialAge: 0,
  lifetime: 60,
  staleWhileRevalidate: 0,
  staleIfError: 30,
  vary: [],
  body: Buffer.from('hello, world'),
};
const codec = new EntryCodec('0123456789abcdef0123456789abcdef');

describe('EntryCodec', () => {
  it('round-trips an entry', () => {
    const back = codec.decode(entry.key, codec.encode(entry));
    expect(back).not.toBeInstanceOf(EntryRejected);
    expect(back).toMatchObject({ ...entry, body: expect.any(Buffer) });
    expect((back as CacheEntry).body.toString()).toBe('hello, world');
  });

  it('rejects a flipped bit anywhere, a truncation, an extension and garbage', () => {
    const data = codec.encode(entry);
    for (let i = 0; i < data.length; i++) {
      const bad = Buffer.from(data);
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(codec.decode(entry.key, bad), `byte ${i}`).toBeInstanceOf(EntryRejected);
    }
    for (let n = 0; n < data.length; n++)
      expect(codec.decode(entry.key, data.subarray(0, n)), `first ${n} bytes`).toBeInstanceOf(EntryRejected);
    expect(codec.decode(entry.key, Buffer.concat([data, Buffer.from('x')]))).toBeInstanceOf(EntryRejected);
    expect(codec.decode(entry.key, Buffer.from('{"__faultline_poison__":'))).toEqual(
      new EntryRejected('format'),
    );
  });

  it('rejects a valid entry read under another key (moved or swapped)', () => {
    expect(codec.decode('GET http://h/b', codec.encode(entry))).toEqual(new EntryRejected('key'));
  });

  it('rejects an entry signed with another key (forged)', () => {
    const forged = new EntryCodec('another-secret-of-16+').encode({ ...entry, body: Buffer.from('evil') });
    expect(codec.decode(entry.key, forged)).toEqual(new EntryRejected('mac'));
  });

  it('verifies a Buffer once (the memory tier returns the same one), every other Buffer each time', () => {
    const data = codec.encode(entry);
    const first = codec.decode(entry.key, data);
    expect(codec.decode(entry.key, data)).toBe(first);
    // The same bytes under another key are still refused: the memo is per key.
    expect(codec.decode('GET http://h/b', data)).toEqual(new EntryRejected('key'));
    // A copy (what a shared tier returns per read) is decoded and verified on its own.
    const copy = Buffer.from(data);
    expect(codec.decode(entry.key, copy)).not.toBe(first);
    copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0x01;
    expect(codec.decode(entry.key, Buffer.from(copy))).toEqual(new EntryRejected('mac'));
    // A rejected Buffer is not remembered as good.
    const bad = Buffer.from(data);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
    expect(codec.decode(entry.key, bad)).toEqual(new EntryRejected('mac'));
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
    expect(codec.decode(entry.key, bad)).not.toBeInstanceOf(EntryRejected);
  });

  it('with verify off (negative control only) serves a truncated body', () => {
    const loose = new EntryCodec('0123456789abcdef0123456789abcdef', false);
    const data = loose.encode(entry);
    const cut = loose.decode(entry.key, data.subarray(0, data.length - 5));
    expect((cut as CacheEntry).body.toString()).toBe('hello, ');
  });
});
