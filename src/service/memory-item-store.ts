import { randomUUID } from 'node:crypto';
import type { CreateResult, Item, ItemInput, ItemStore } from './item-store.js';

/** Items in this process's memory: fast, and gone when the process dies. */
export class MemoryItemStore implements ItemStore {
  readonly kind = 'memory';
  private readonly items = new Map<string, Item>();
  private readonly byKey = new Map<string, string>();

  async list(limit: number): Promise<Item[]> {
    return [...this.items.values()].slice(0, limit);
  }

  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }

  async create(input: ItemInput, writer: string, idempotencyKey?: string): Promise<CreateResult> {
    const existingId = idempotencyKey === undefined ? undefined : this.byKey.get(idempotencyKey);
    const existing = existingId === undefined ? undefined : this.items.get(existingId);
    if (existing) return { item: existing, replayed: true };
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
    this.items.set(item.id, item);
    if (idempotencyKey !== undefined) this.byKey.set(idempotencyKey, item.id);
    return { item, replayed: false };
  }

  async put(id: string, input: ItemInput, writer: string): Promise<{ item: Item; created: boolean }> {
    const before = this.items.get(id);
    const now = new Date().toISOString();
    const item: Item = {
      id,
      name: input.name,
      data: input.data ?? null,
      version: (before?.version ?? 0) + 1,
      written_by: writer,
      created_at: before?.created_at ?? now,
      updated_at: now,
    };
    this.items.set(id, item);
    return { item, created: before === undefined };
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  async close(): Promise<void> {}
}
