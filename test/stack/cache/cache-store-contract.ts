import { afterEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../../src/stack/cache/cache-store.js';

/**
 * The contract every CacheStore meets (after undici's `cacheStoreTests`). `create` builds a
 * fresh, empty store (own key prefix or database); the suite closes it.
 */
export function cacheStoreContract(name: string, create: () => CacheStore | Promise<CacheStore>): void {
  describe(`CacheStore contract: ${name}`, () => {
    const opened: CacheStore[] = [];
    const open = async (): Promise<CacheStore> => {
      const s = await create();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('answers undefined for a key never set', async () => {
      const s = await open();
      expect(await s.get('GET http://a/never')).toBeUndefined();
    });

    it('gives back exactly the bytes set, binary included', async () => {
      const s = await open();
      const value = Buffer.from([0, 1, 2, 255, 254, 0x0a, 0x0d, 0]);
      await s.set('k1', value, 60_000);
      const got = await s.get('k1');
      expect(got).toBeInstanceOf(Buffer);
      expect(got?.equals(value)).toBe(true);
    });

    it('keeps keys apart, including keys that differ only after a NUL', async () => {
      const s = await open();
      await s.set('k\u0000a', Buffer.from('a'), 60_000);
      await s.set('k\u0000b', Buffer.from('b'), 60_000);
      expect((await s.get('k\u0000a'))?.toString()).toBe('a');
      expect((await s.get('k\u0000b'))?.toString()).toBe('b');
    });

    it('replaces the value of a key on set', async () => {
      const s = await open();
      await s.set('k', Buffer.from('one'), 60_000);
      await s.set('k', Buffer.from('two'), 60_000);
      expect((await s.get('k'))?.toString()).toBe('two');
    });

    it('forgets a deleted key, and deleting an absent key is fine', async () => {
      const s = await open();
      await s.set('k', Buffer.from('v'), 60_000);
      await s.delete('k');
      await s.delete('never-set');
      expect(await s.get('k')).toBeUndefined();
    });

    it('expires an entry after its ttl', async () => {
      const s = await open();
      await s.set('short', Buffer.from('v'), 30);
      await s.set('long', Buffer.from('v'), 60_000);
      const deadline = Date.now() + 5000;
      while ((await s.get('short')) !== undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await s.get('short')).toBeUndefined();
      expect((await s.get('long'))?.toString()).toBe('v');
    });

    it('stores an empty value as an empty buffer, not as absent', async () => {
      const s = await open();
      await s.set('empty', Buffer.alloc(0), 60_000);
      const got = await s.get('empty');
      expect(got).toBeInstanceOf(Buffer);
      expect(got?.length).toBe(0);
    });

    it('has a name', async () => {
      const s = await open();
      expect(s.name).toMatch(/^[a-z-]+$/);
    });
  });
}
