import { z } from 'zod';
import type { Toxic } from './toxic.js';

export const noopAttributes = z.object({});
export type NoopAttributes = z.infer<typeof noopAttributes>;

/** Passes every byte straight through. Also what a stage runs when toxicity says "not this connection". */
export const NoopToxic: Toxic<NoopAttributes> = {
  type: 'noop',
  attributes: noopAttributes,
  async pipe(stub) {
    for (;;) {
      const chunk = await stub.peek();
      if (chunk === null) return;
      stub.forward();
    }
  },
};
