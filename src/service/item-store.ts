import { z } from 'zod';

/** What a client sends to create or replace an item. */
export const itemInputSchema = z
  .object({
    /** @example 'widget' */
    name: z.string().min(1).max(200),
    /** Any JSON value the client wants stored with the item. */
    data: z.unknown().optional(),
  })
  .strict();
export type ItemInput = z.infer<typeof itemInputSchema>;

export interface Item {
  id: string;
  name: string;
  data: unknown;
  /** 1 on creation, +1 on every replace. */
  version: number;
  /** The instance that wrote the item last. */
  written_by: string;
  created_at: string;
  updated_at: string;
}

export interface CreateResult {
  item: Item;
  /** true when an earlier request with the same Idempotency-Key already created it. */
  replayed: boolean;
}

/**
 * Where the reference service keeps its items. A write resolves only once it is acknowledged
 * by the store (committed in Postgres, answered by Redis), so that an acknowledged write is
 * never lost when the process dies afterwards.
 */
export interface ItemStore {
  /** `memory`, `redis` or `postgres`. */
  readonly kind: string;
  list(limit: number): Promise<Item[]>;
  get(id: string): Promise<Item | undefined>;
  /** With a key, a second create with the same key returns the first item (`replayed`). */
  create(input: ItemInput, writer: string, idempotencyKey?: string): Promise<CreateResult>;
  /** Creates or replaces; returns the stored item and whether it was created. */
  put(id: string, input: ItemInput, writer: string): Promise<{ item: Item; created: boolean }>;
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}
