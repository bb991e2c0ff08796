import { randomUUID } from 'node:crypto';
import type { CreateResult, Item, ItemInput, ItemStore } from './item-store.js';

/**
 * A store that acknowledges a create before it has stored it: the item is answered at once
 * and written to the wrapped store `delayMs` later (a write-behind buffer). What is still
 * buffered when the process dies is lost although it was acknowledged. It exists as a negative
 * control (`ACK_BEFORE_STORE_MS`): a scenario that claims "no acknowledged write is lost" must
 * fail with it. Idempotency-Key replays are answered from this process's memory only.
 */
export class WriteBehindItemStore implements ItemStore {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly byKey = new Map<string, Item>();

  constructor(
    private readonly inner: ItemStore,
    /** How long an acknowledged create waits before it is stored, in ms. */
    private readonly delayMs: number,
  ) {}

  get kind(): string {
    return `${this.inner.kind}+write-behind`;
  }

  list(limit: number): Promise<Item[]> {
    return this.inner.list(limit);
  }

  get(id: string): Promise<Item | undefined> {
    return this.inner.get(id);
  }

  async create(input: ItemInput, writer: string, idempotencyKey?: string): Promise<CreateResult> {
    const known = idempotencyKey === undefined ? undefined : this.byKey.get(idempotencyKey);
    if (known) return { item: known, replayed: true };
    const now = new Date().toISOString();
    const item: Item = {
      id: randomUUID(),
      name: input.name,
      data: input.data ?? null,
      version: 1,
      written_by: writer,
      created_at: now,
      updated_at: now,
    };
    if (idempotencyKey !== undefined) this.byKey.set(idempotencyKey, item);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.inner.put(item.id, input, writer).catch(() => {});
    }, this.delayMs);
    this.pending.add(timer);
    return { item, replayed: false };
  }

  put(id: string, input: ItemInput, writer: string): Promise<{ item: Item; created: boolean }> {
    return this.inner.put(id, input, writer);
  }

  delete(id: string): Promise<boolean> {
    return this.inner.delete(id);
  }

  async close(): Promise<void> {
    // A graceful stop drops the buffer too: it is what "acknowledged before stored" means.
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    await this.inner.close();
  }
}
